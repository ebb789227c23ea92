/**
 * The node_pulls table: every pull a valid token made, which is both the audit trail of pulls
 * and what the per-node limit counts. PostgreSQL, so the limit holds across API processes.
 */
import type { Pool } from 'pg';

export type PullOutcome = 'delivered' | 'unknown_node' | 'source_throttled' | 'source_unavailable';

/** Pull rows older than this go when their node pulls again: the trail is bounded per node. */
const KEEP = '7 days';
const WINDOW_SECONDS = 60;

export type Admission = { admitted: true; pullId: string } | { admitted: false; retryAfterSeconds: number };

/**
 * Counts the node's pulls of the last minute under a lock on that node, so concurrent pulls cannot
 * all slip under the limit; an admitted pull is recorded `pulling` until `settlePull` says how it ended.
 */
export async function admitPull(pool: Pool, serviceId: string, nodeId: string, perMinute: number): Promise<Admission> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))`, [serviceId, nodeId]);
    const { rows } = await client.query<{ n: number; oldest: Date | null }>(
      `SELECT count(*)::int AS n, min(at) AS oldest FROM node_pulls
        WHERE service_id = $1 AND node_id = $2 AND at > now() - make_interval(secs => ${WINDOW_SECONDS})`,
      [serviceId, nodeId],
    );
    const recent = rows[0]!;
    if (recent.n >= perMinute) {
      await client.query('COMMIT');
      const freeAt = (recent.oldest?.getTime() ?? Date.now()) + WINDOW_SECONDS * 1000;
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - Date.now()) / 1000)) };
    }
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO node_pulls (service_id, node_id, outcome) VALUES ($1, $2, 'pulling') RETURNING id::text`,
      [serviceId, nodeId],
    );
    await client.query(`DELETE FROM node_pulls WHERE service_id = $1 AND node_id = $2 AND at < now() - interval '${KEEP}'`, [serviceId, nodeId]);
    await client.query('COMMIT');
    return { admitted: true, pullId: inserted.rows[0]!.id };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function settlePull(pool: Pool, pullId: string, outcome: PullOutcome, version: string | null = null): Promise<void> {
  await pool.query(`UPDATE node_pulls SET outcome = $2, version = $3 WHERE id = $1::bigint`, [pullId, outcome, version]);
}
