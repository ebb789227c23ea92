/**
 * Shard summaries: each delivery run leaves its shard's counts in one row, so the API's status,
 * the fleet's node gauges and the reconciler read a row per shard instead of counting nodes.
 * Counts depend on the clock (a copy expires without any write), so each row also says when it
 * can first go stale (`min_expires_at`): a reader recounts from the nodes only the shards whose
 * row has gone stale — shards that missed a refresh, which a healthy fleet does not have.
 */
import type { Pool } from 'pg';
import { DEFAULT_AT_RISK_FRACTION, nodeAtRiskSql, nodeCountsSql } from '../domain/node-state';
import type { NodeCounts } from '../domain/status';

export interface ShardPicture {
  counts: NodeCounts;
  atRisk: number;
  nextDueAt: Date | null;
}

/** Counts, coverage and at-risk nodes of `nodes n` rows at `now`; `refreshBefore` is a SQL expression. */
const pictureColumnsSql = (now: string, refreshBefore: string) => `${nodeCountsSql(now)},
    count(*) FILTER (WHERE expires_at > ${now})::int AS covered,
    count(*) FILTER (WHERE ${nodeAtRiskSql(now, refreshBefore, String(DEFAULT_AT_RISK_FRACTION))})::int AS at_risk`;

/**
 * Counts the shard's nodes and writes its summary row in one statement (the end of every
 * delivery run). The row of a service being deleted is not written.
 */
export async function summarizeShard(pool: Pool, serviceId: string, shard: number, now: Date): Promise<ShardPicture> {
  const { rows } = await pool.query<NodeCounts & { atRisk: number; nextDueAt: Date | null }>(
    `WITH picture AS (
       SELECT ${pictureColumnsSql('$3', 's.refresh_before_seconds')},
              min(n.next_due_at) AS next_due_at,
              min(n.expires_at) FILTER (WHERE n.expires_at > $3) AS min_expires_at
         FROM services s LEFT JOIN nodes n ON n.service_id = s.id AND n.shard = $2
        WHERE s.id = $1 AND s.status <> 'deleting'
        GROUP BY s.id
     ), written AS (
       INSERT INTO shard_summaries (service_id, shard, total, fresh, pending, failing, expired, covered, at_risk,
                                    next_due_at, min_expires_at, last_run_at)
       SELECT $1, $2, total, fresh, pending, failing, expired, covered, at_risk, next_due_at, min_expires_at, $3 FROM picture
       ON CONFLICT (service_id, shard) DO UPDATE SET
         total = EXCLUDED.total, fresh = EXCLUDED.fresh, pending = EXCLUDED.pending, failing = EXCLUDED.failing,
         expired = EXCLUDED.expired, covered = EXCLUDED.covered, at_risk = EXCLUDED.at_risk,
         next_due_at = EXCLUDED.next_due_at, min_expires_at = EXCLUDED.min_expires_at, last_run_at = EXCLUDED.last_run_at
     )
     SELECT total, fresh, pending, failing, expired, at_risk AS "atRisk", next_due_at AS "nextDueAt" FROM picture`,
    [serviceId, shard, now],
  );
  const row = rows[0];
  if (!row) return { counts: { total: 0, fresh: 0, pending: 0, failing: 0, expired: 0 }, atRisk: 0, nextDueAt: null };
  const { atRisk, nextDueAt, ...counts } = row;
  return { counts, atRisk, nextDueAt };
}

/**
 * Every live shard's current counts as rows (service_id, shard, the counts, covered, at_risk,
 * next_due_at, last_run_at): the summary where it is current, a recount of the shard's nodes
 * where it has gone stale or was never written (the first condition gates that scan: PostgreSQL
 * evaluates it once per shard, before touching `nodes`). `$1` is now; `scope` narrows the services.
 */
export function currentShardsSql(scope: string): string {
  return `
    SELECT s.id AS service_id, g.shard, c.*
      FROM services s
     CROSS JOIN LATERAL generate_series(0, greatest(s.shard_count, 1) - 1) AS g(shard)
      LEFT JOIN shard_summaries ss ON ss.service_id = s.id AND ss.shard = g.shard
     CROSS JOIN LATERAL (
       SELECT ss.total, ss.fresh, ss.pending, ss.failing, ss.expired, ss.covered, ss.at_risk, ss.next_due_at, ss.last_run_at
        WHERE ss.service_id IS NOT NULL AND (ss.min_expires_at IS NULL OR ss.min_expires_at > $1)
       UNION ALL
       SELECT ${pictureColumnsSql('$1', 's.refresh_before_seconds')},
              min(n.next_due_at) AS next_due_at, coalesce(ss.last_run_at, max(n.last_attempt_at)) AS last_run_at
         FROM nodes n
        WHERE NOT (ss.service_id IS NOT NULL AND (ss.min_expires_at IS NULL OR ss.min_expires_at > $1))
          AND n.service_id = s.id AND n.shard = g.shard
        GROUP BY n.service_id
     ) c
     WHERE s.status <> 'deleting' AND (${scope})`;
}

export interface ServicePicture {
  counts: NodeCounts;
  atRisk: number;
  nextDueAt: Date | null;
  lastCycleAt: Date | null;
}

/** One service's current picture, added up over its shards. */
export async function servicePicture(pool: Pool, serviceId: string, now: Date): Promise<ServicePicture> {
  const { rows } = await pool.query<NodeCounts & { atRisk: number; nextDueAt: Date | null; lastCycleAt: Date | null }>(
    `SELECT coalesce(sum(total), 0)::int AS total, coalesce(sum(fresh), 0)::int AS fresh,
            coalesce(sum(pending), 0)::int AS pending, coalesce(sum(failing), 0)::int AS failing,
            coalesce(sum(expired), 0)::int AS expired, coalesce(sum(at_risk), 0)::int AS "atRisk",
            min(next_due_at) AS "nextDueAt", max(last_run_at) AS "lastCycleAt"
       FROM (${currentShardsSql('s.id = $2')}) shards`,
    [now, serviceId],
  );
  const { atRisk, nextDueAt, lastCycleAt, ...counts } = rows[0]!;
  return { counts, atRisk, nextDueAt, lastCycleAt };
}
