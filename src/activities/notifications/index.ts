import type { Pool } from 'pg';
import type { WorkerMetrics } from '../../observability/worker-metrics';
import type { CourierActivities, DispatchResult } from '../types';
import { sweepBreaches } from '../alert-events';
import { foldAlertEvents } from './fold';
import { NotificationSender, type Channels } from './send';

export interface NotificationDeps extends Channels {
  pool: Pool;
  coalesceMs: number;
  /** How often a tick also sweeps for breaches no attempt recorded (a scan of the expired nodes). */
  breachSweepMs: number;
  metrics: WorkerMetrics;
}

/** Breaches marked per sweep; a bigger backlog takes a few ticks. */
const SWEEP_LIMIT = 10_000;

/**
 * One notifier tick: fold what the engine recorded, then start sending what is due on every
 * channel; the counts are of the sends that ended since the last tick.
 */
export function createNotificationActivities(deps: NotificationDeps): Pick<CourierActivities, 'dispatchNotifications'> {
  let lastSweepAt = 0;
  const sender = new NotificationSender(deps.pool, deps);
  return {
    async dispatchNotifications(): Promise<DispatchResult> {
      if (Date.now() - lastSweepAt >= deps.breachSweepMs) {
        await sweepBreaches(deps.pool, SWEEP_LIMIT);
        lastSweepAt = Date.now();
      }
      const kinds = await foldAlertEvents(deps.pool, { coalesceMs: deps.coalesceMs, emailEnabled: deps.mailer !== null });
      for (const kind of kinds) deps.metrics.notifications.inc({ kind });
      const sent = await sender.dispatch();
      for (const { channel, outcome } of sent) deps.metrics.notificationDeliveries.inc({ channel, outcome });
      const delivered = sent.filter((s) => s.outcome === 'delivered').length;
      return { notified: kinds.length, sent: delivered, failed: sent.length - delivered };
    },
  };
}
