import type { Pool } from 'pg';
import { alertEventSql, type NodeAlert } from '../../domain/alerts';
import type { Keyring } from '../../domain/secret-box';
import { nodeHash } from '../../domain/sharding';
import type { DeliveryFailure } from './failure';
import { DELIVERY_SETTINGS_COLUMNS, openDeliverySettings, type DeliverySettings, type DeliverySettingsRow } from './service-settings';

/** A node as a delivery sees it. */
export interface DueNode {
  nodeId: string;
  endpoint: string | null;
  attempts: number;
  lastError: string | null;
  expiresAt: Date | null;
  alert: NodeAlert | null;
  /** When its alert episode opened: for a node never delivered, its first failure. */
  alertSince: Date | null;
}

/** The outcome of one attempt, written back in one statement per batch. */
export interface AttemptRecord {
  nodeId: string;
  attemptedAt: Date;
  attempts: number;
  nextDueAt: Date;
  /** Set when the node acked. */
  acked: { version: string; deliveredAt: Date; expiresAt: Date } | null;
  /** Set when it did not; the message becomes the node's `last_error`. */
  failure: DeliveryFailure | null;
  /** The node's alert episode after this attempt, as far as the attempt can tell (see recordAttempts). */
  alert: NodeAlert | null;
}

const DUE_NODE_COLUMNS = `node_id AS "nodeId", endpoint, attempts, last_error AS "lastError", expires_at AS "expiresAt", alert,
  alert_since AS "alertSince"`;

/**
 * Nodes of a shard due by `dueBy` that this run has not attempted yet (`attempted before
 * runStartedAt`), so a node that fails is not retried within the same run.
 */
export async function selectDueNodes(
  pool: Pool,
  q: { serviceId: string; shard: number; dueBy: Date; runStartedAt: Date; limit: number },
): Promise<DueNode[]> {
  const { rows } = await pool.query<DueNode>(
    `SELECT ${DUE_NODE_COLUMNS} FROM nodes
      WHERE service_id = $1 AND shard = $2 AND next_due_at <= $3
        AND (last_attempt_at IS NULL OR last_attempt_at < $4)
      ORDER BY next_due_at
      LIMIT $5`,
    [q.serviceId, q.shard, q.dueBy, q.runStartedAt, q.limit],
  );
  return rows;
}

export async function findDueNode(pool: Pool, serviceId: string, nodeId: string): Promise<DueNode | null> {
  const { rows } = await pool.query<DueNode>(`SELECT ${DUE_NODE_COLUMNS} FROM nodes WHERE service_id = $1 AND node_id = $2`, [
    serviceId,
    nodeId,
  ]);
  return rows[0] ?? null;
}

/**
 * One statement per chunk: the attempts' outcomes, the nodes' alert episodes, and an alert event
 * for each episode opened or closed, in the same transaction, so an episode never changes without
 * its event. The episode is settled against the row as it is now, locked: the breach sweep may
 * have marked it since the attempt read it, and a change is told only once. A failure never
 * overwrites an ack that landed while it was in flight (a node's pull, a forced refresh).
 * An ack that lands after the copy it replaces had expired, with no breach told yet (nothing
 * attempted or swept while the workers, Temporal or PostgreSQL were away), tells the breach
 * (at the moment of expiry) and its recovery.
 */
export async function recordAttempts(pool: Pool, serviceId: string, records: AttemptRecord[]): Promise<void> {
  if (records.length === 0) return;
  await pool.query(
    `WITH r AS (
       SELECT * FROM unnest($2::text[], $3::int[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[],
                            $8::timestamptz[], $9::timestamptz[], $10::"NodeAlert"[])
         AS r(node_id, attempts, attempted_at, next_due_at, error, version, delivered_at, expires_at, alert)
     ), current AS (
       SELECT n.node_id, n.alert, n.expires_at AS expired_at FROM nodes n JOIN r ON n.service_id = $1 AND n.node_id = r.node_id
        ORDER BY n.node_id FOR UPDATE OF n
     ), settled AS (
       SELECT r.*, c.alert AS before,
              (r.version IS NOT NULL AND c.alert IS DISTINCT FROM 'breached' AND c.expired_at <= r.attempted_at) AS late,
              c.expired_at,
              CASE WHEN r.version IS NOT NULL THEN NULL
                   WHEN c.alert = 'breached' OR r.alert = 'breached' THEN 'breached'::"NodeAlert"
                   ELSE COALESCE(r.alert, c.alert) END AS after
         FROM r JOIN current c USING (node_id)
     ), written AS (
       UPDATE nodes AS n SET
          attempts = s.attempts,
          last_attempt_at = s.attempted_at,
          next_due_at = s.next_due_at,
          last_error = s.error,
          version = COALESCE(s.version, n.version),
          delivered_at = COALESCE(s.delivered_at, n.delivered_at),
          expires_at = COALESCE(s.expires_at, n.expires_at),
          alert = s.after,
          alert_since = CASE WHEN s.after IS NULL THEN NULL
                             WHEN s.after IS DISTINCT FROM s.before THEN s.attempted_at
                             ELSE n.alert_since END
         FROM settled s
        WHERE n.service_id = $1 AND n.node_id = s.node_id
          AND (s.version IS NOT NULL OR n.delivered_at IS NULL OR n.delivered_at <= s.attempted_at)
        RETURNING n.node_id
     ), told AS (
       SELECT s.node_id, 'breach'::text AS kind, s.expired_at AS at FROM settled s WHERE s.late
       UNION ALL
       SELECT s.node_id, 'recovered', s.attempted_at FROM settled s WHERE s.late AND s.before IS NULL
       UNION ALL
       SELECT s.node_id, ${alertEventSql('s.before', 's.after')}, s.attempted_at FROM settled s WHERE s.before IS DISTINCT FROM s.after
     )
     INSERT INTO alert_events (service_id, node_id, kind, at)
     SELECT $1, t.node_id, t.kind, t.at FROM told t WHERE t.node_id IN (SELECT node_id FROM written)`,
    [
      serviceId,
      records.map((r) => r.nodeId),
      records.map((r) => r.attempts),
      records.map((r) => r.attemptedAt),
      records.map((r) => r.nextDueAt),
      records.map((r) => r.failure?.message ?? null),
      records.map((r) => r.acked?.version ?? null),
      records.map((r) => r.acked?.deliveredAt ?? null),
      records.map((r) => r.acked?.expiresAt ?? null),
      records.map((r) => r.alert),
    ],
  );
}

/**
 * What a forced refresh delivers, in one round trip: the service's delivery settings and the
 * node, inserted (origin `api`, kept across mapping loads) when the service does not have it
 * yet; a given endpoint replaces the stored one. Null when the service is gone. A new node's
 * shard follows the shard count read under the lock, so an apply that just resharded is seen.
 */
export async function upsertForcedNode(
  pool: Pool,
  keyring: Keyring,
  n: { serviceId: string; nodeId: string; endpoint: string | null },
): Promise<{ settings: DeliverySettings; node: DueNode } | null> {
  // The key-share lock on the service row stands in for a foreign key (prisma/schema.prisma): it
  // waits for a mapping apply in progress, and finds nothing once the service is deleted.
  const { rows } = await pool.query<DueNode & { settings: DeliverySettingsRow }>(
    `WITH service AS (SELECT ${DELIVERY_SETTINGS_COLUMNS} FROM services WHERE id = $1 AND status <> 'deleting' FOR KEY SHARE),
     node AS (
       INSERT INTO nodes (service_id, node_id, endpoint, hash, shard, origin, next_due_at)
       SELECT service."serviceId", $2, $3, $4, $4 % GREATEST(service."shardCount", 1), 'api', now() FROM service
       ON CONFLICT (service_id, node_id) DO UPDATE SET endpoint = COALESCE(EXCLUDED.endpoint, nodes.endpoint)
       RETURNING ${DUE_NODE_COLUMNS})
     SELECT row_to_json(service) AS settings, node.* FROM service CROSS JOIN node`,
    [n.serviceId, n.nodeId, n.endpoint, nodeHash(n.nodeId)],
  );
  const row = rows[0];
  if (!row) return null;
  // The settings hold no timestamps, so their JSON reads back as the plain select would.
  const { settings, ...node } = row;
  return { settings: openDeliverySettings(settings, keyring), node };
}

/** Nodes one statement of a refresh-all marks due. */
export const MARK_DUE_BATCH = 1000;

/**
 * Every node of the service due at `now`, in statements of MARK_DUE_BATCH nodes along the primary
 * key, each after `pace()`: a statement's row locks last milliseconds, so the forced refreshes and
 * write-backs of the same service do not wait for a whole service's update; paced, several
 * services' refresh-alls do not take PostgreSQL's every core at once; nodes due already are not
 * written.
 */
export async function markAllDue(pool: Pool, serviceId: string, now: Date, pace: () => Promise<void>): Promise<void> {
  let after = '';
  for (;;) {
    await pace();
    const { rows } = await pool.query<{ last: string | null; n: number }>(
      `WITH batch AS (
         SELECT node_id FROM nodes WHERE service_id = $1 AND node_id > $3 ORDER BY node_id LIMIT $4),
       marked AS (
         UPDATE nodes SET next_due_at = $2 FROM batch
         WHERE nodes.service_id = $1 AND nodes.node_id = batch.node_id AND nodes.next_due_at > $2)
       SELECT max(node_id) AS last, count(*)::int AS n FROM batch`,
      [serviceId, now, after, MARK_DUE_BATCH],
    );
    const { last, n } = rows[0] ?? { last: null, n: 0 };
    if (last === null || n < MARK_DUE_BATCH) return;
    after = last;
  }
}

export async function purgeService(pool: Pool, serviceId: string): Promise<void> {
  await pool.query(`DELETE FROM services WHERE id = $1`, [serviceId]);
}
