import type { Pool } from 'pg';

/**
 * Claims a duty's turn for this worker: true when the duty last ran at least `everyMs` ago (or
 * never), and then no other worker gets the turn until `everyMs` has passed again. One row per
 * duty, moved with one conditional statement, so N workers run each duty once per cadence.
 */
export async function claimTurn(pool: Pool, duty: string, everyMs: number): Promise<boolean> {
  const { rowCount } = await pool.query(
    `INSERT INTO fleet_duties (name, ran_at) VALUES ($1, now())
     ON CONFLICT (name) DO UPDATE SET ran_at = now()
      WHERE fleet_duties.ran_at <= now() - make_interval(secs => $2::float8 / 1000)`,
    [duty, everyMs],
  );
  return rowCount === 1;
}

export async function saveTurnResult(pool: Pool, duty: string, result: unknown): Promise<void> {
  await pool.query(`UPDATE fleet_duties SET result = $2 WHERE name = $1`, [duty, JSON.stringify(result)]);
}

export async function readTurnResult<T>(pool: Pool, duty: string): Promise<{ ranAt: Date; result: T } | null> {
  const { rows } = await pool.query<{ ranAt: Date; result: T | null }>(
    `SELECT ran_at AS "ranAt", result FROM fleet_duties WHERE name = $1`,
    [duty],
  );
  const row = rows[0];
  return row && row.result !== null ? { ranAt: row.ranAt, result: row.result } : null;
}
