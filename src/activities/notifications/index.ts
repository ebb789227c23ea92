import type { Pool } from 'pg';
import type { CourierActivities, DispatchResult } from '../types';
import { foldAlertEvents } from './fold';
import { sendDueDeliveries, type Channels } from './send';

export interface NotificationDeps extends Channels {
  pool: Pool;
  coalesceMs: number;
}

/** One notifier tick: fold what the engine recorded, then send what is due on every channel. */
export function createNotificationActivities(deps: NotificationDeps): Pick<CourierActivities, 'dispatchNotifications'> {
  return {
    async dispatchNotifications(): Promise<DispatchResult> {
      const notified = await foldAlertEvents(deps.pool, { coalesceMs: deps.coalesceMs, emailEnabled: deps.mailer !== null });
      const { sent, failed } = await sendDueDeliveries(deps.pool, deps);
      return { notified, sent, failed };
    },
  };
}
