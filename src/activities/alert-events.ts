/**
 * Alert events outside the delivery write-back (src/engine/delivery/node-store.ts writes the
 * episodes attempts open and close): events of a whole service, and breaches no attempt saw.
 */
import type { Pool } from 'pg';
import type { ServiceAlertEvent } from '../domain/alerts';

/**
 * An event of a whole service (its mapping, its metadata source) for the notifier to tell. Each
 * retry of a failing load appends one; the notifier folds them into one notification per window.
 */
export async function recordServiceAlert(pool: Pool, serviceId: string, kind: ServiceAlertEvent, detail: string): Promise<void> {
  await pool.query(`INSERT INTO alert_events (service_id, kind, detail) VALUES ($1, $2, $3)`, [serviceId, kind, detail.slice(0, 2000)]);
}

/**
 * Breaches no attempt recorded: copies that expired while nothing tried to deliver (workers down,
 * a shard workflow gone). Marked and told like any breach, so the customer hears of them too.
 * Only shards whose summary has gone stale (a copy expired since their last run) can hold one,
 * so a healthy fleet costs one indexed look at the summaries, never a scan of the nodes.
 */
export async function sweepBreaches(pool: Pool, limit: number): Promise<number> {
  const { rowCount } = await pool.query(
    `WITH stale AS (
       SELECT service_id, shard FROM shard_summaries WHERE min_expires_at <= now()
     ), expired AS (
       SELECT n.service_id, n.node_id FROM stale JOIN nodes n ON n.service_id = stale.service_id AND n.shard = stale.shard
        WHERE n.expires_at <= now() AND n.alert IS DISTINCT FROM 'breached'
        LIMIT ${limit} FOR UPDATE OF n SKIP LOCKED
     ), marked AS (
       UPDATE nodes n SET alert = 'breached', alert_since = now()
         FROM expired e WHERE n.service_id = e.service_id AND n.node_id = e.node_id
       RETURNING n.service_id, n.node_id
     )
     INSERT INTO alert_events (service_id, node_id, kind) SELECT service_id, node_id, 'breach' FROM marked`,
  );
  return rowCount ?? 0;
}
