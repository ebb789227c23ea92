import { log } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { WorkerMetrics } from '../../observability/worker-metrics';
import type { CourierActivities, DispatchResult } from '../types';
import { sweepBreaches } from '../alert-events';
import { foldAlertEvents } from './fold';
import { sendDueDeliveries, type Channels } from './send';

export interface NotificationDeps extends Channels {
  pool: Pool;
  coalesceMs: number;
  /** How often a tick also sweeps for breaches no attempt recorded (a scan of the expired nodes). */
  breachSweepMs: number;
  metrics: WorkerMetrics;
}

/** Breaches marked per sweep; a bigger backlog takes a few ticks. */
const SWEEP_LIMIT = 10_000;

/** One notifier tick: fold what the engine recorded, then send what is due on every channel. */
export function createNotificationActivities(deps: NotificationDeps): Pick<CourierActivities, 'dispatchNotifications'> {
  let lastSweepAt = 0;
  return {
    async dispatchNotifications(): Promise<DispatchResult> {
      if (Date.now() - lastSweepAt >= deps.breachSweepMs) {
        await sweepBreaches(deps.pool, SWEEP_LIMIT);
        lastSweepAt = Date.now();
      }
      const kinds = await foldAlertEvents(deps.pool, { coalesceMs: deps.coalesceMs, emailEnabled: deps.mailer !== null });
      for (const kind of kinds) deps.metrics.notifications.inc({ kind });
      const sent = await sendDueDeliveries(deps.pool, deps);
      for (const { channel, outcome } of sent) deps.metrics.notificationDeliveries.inc({ channel, outcome });
      const delivered = sent.filter((s) => s.outcome === 'delivered').length;
      const givenUp = sent.filter((s) => s.outcome === 'failed').length;
      if (kinds.length > 0) log.info('notifications made', { kinds });
      if (givenUp > 0) log.warn('notification sends given up', { failed: givenUp });
      return { notified: kinds.length, sent: delivered, failed: sent.length - delivered };
    },
  };
}
