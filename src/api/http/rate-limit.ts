/**
 * Rate limits shared by every API process: token buckets kept in PostgreSQL as GCRA (one
 * timestamp per bucket, one statement per admission), so N API processes allow the limit once,
 * not N times. Used per API key, per source address for failed logins, and per customer for
 * the rate quotas.
 */
import type { Pool } from 'pg';

export interface RateLimit {
  /** Sustained admissions per second. */
  perSecond: number;
  /** Admissions allowed at once after a quiet spell. */
  burst: number;
}

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

/** A quota stated per minute as a bucket: the whole minute's worth may come at once. */
export const perMinute = (count: number): RateLimit => ({ perSecond: count / 60, burst: count });

/** GCRA: each admission moves `tat` one interval on; one is refused while `tat` is more than the burst ahead of now. */
const gcra = ({ perSecond, burst }: RateLimit) => {
  const interval = 1 / perSecond;
  return { interval, tolerance: (burst - 1) * interval };
};

const retryAfter = (seconds: number): number => Math.max(1, Math.ceil(seconds));

/** Takes one token from the bucket `key`, if it has one; a limit of zero admits nothing. */
export async function admit(pool: Pool, key: string, limit: RateLimit): Promise<Admission> {
  if (limit.perSecond <= 0 || limit.burst < 1) return { admitted: false, retryAfterSeconds: 60 };
  const { interval, tolerance } = gcra(limit);
  const { rows } = await pool.query<{ admitted: boolean; wait: number | null }>(
    `WITH admitted AS (
       INSERT INTO rate_limits AS r (key, tat) VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8))
       ON CONFLICT (key) DO UPDATE SET tat = GREATEST(r.tat, clock_timestamp()) + make_interval(secs => $2::float8)
        WHERE r.tat - clock_timestamp() <= make_interval(secs => $3::float8)
       RETURNING 1)
     SELECT EXISTS (SELECT 1 FROM admitted) AS admitted,
            (SELECT EXTRACT(EPOCH FROM tat - clock_timestamp())::float8 - $3::float8 FROM rate_limits WHERE key = $1) AS wait`,
    [key, interval, tolerance],
  );
  const row = rows[0];
  if (row?.admitted) return { admitted: true };
  return { admitted: false, retryAfterSeconds: retryAfter(row?.wait ?? interval) };
}

/** Whether the bucket `key` is empty, without taking from it: seconds until it has a token, or null. */
export async function exhausted(pool: Pool, key: string, limit: RateLimit): Promise<number | null> {
  const { tolerance } = gcra(limit);
  const { rows } = await pool.query<{ wait: number }>(
    `SELECT EXTRACT(EPOCH FROM tat - clock_timestamp())::float8 - $2::float8 AS wait FROM rate_limits WHERE key = $1`,
    [key, tolerance],
  );
  const wait = rows[0]?.wait;
  return wait !== undefined && wait > 0 ? retryAfter(wait) : null;
}

/** A bucket whose `tat` has passed is full: its row says nothing a missing row does not. */
export async function sweepRateLimits(pool: Pool): Promise<void> {
  await pool.query('DELETE FROM rate_limits WHERE tat < clock_timestamp()');
}
