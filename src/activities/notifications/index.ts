import { log } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { WorkerMetrics } from '../../observability/worker-metrics';
import type { CourierActivities, DispatchResult } from '../types';
import { foldAlertEvents } from './fold';
import { NotificationSender, type Channels } from './send';

export interface NotificationDeps extends Channels {
  pool: Pool;
  coalesceMs: number;
  metrics: WorkerMetrics;
}

/**
 * One notifier tick: fold what the engine recorded, then start sending what is due on every
 * channel; the counts are of the sends that ended since the last tick.
 */
export function createNotificationActivities(deps: NotificationDeps): Pick<CourierActivities, 'dispatchNotifications'> {
  const sender = new NotificationSender(deps.pool, deps);
  return {
    async dispatchNotifications(): Promise<DispatchResult> {
      const kinds = await foldAlertEvents(deps.pool, { coalesceMs: deps.coalesceMs, emailEnabled: deps.mailer !== null });
      for (const kind of kinds) deps.metrics.notifications.inc({ kind });
      const sent = await sender.dispatch();
      for (const { channel, outcome } of sent) deps.metrics.notificationDeliveries.inc({ channel, outcome });
      const delivered = sent.filter((s) => s.outcome === 'delivered').length;
      const givenUp = sent.filter((s) => s.outcome === 'failed').length;
      if (kinds.length > 0) log.info('notifications made', { kinds });
      if (givenUp > 0) log.warn('notification sends given up', { failed: givenUp });
      return { notified: kinds.length, sent: delivered, failed: sent.length - delivered };
    },
  };
}
