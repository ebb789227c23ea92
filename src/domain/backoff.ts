/**
 * Restart delays for a part that keeps failing (a worker's Temporal connection, a supervised
 * process): doubling from `initialMs` up to `maxMs`, back to the start once a run lasted `stableMs`.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A run at least this long counts as recovered: the next failure waits `initialMs` again. */
  stableMs: number;
}

const RESTART_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000, stableMs: 60_000 };

export class Backoff {
  private failures = 0;

  constructor(private readonly policy: BackoffPolicy = RESTART_BACKOFF) {}

  /** The wait before the next attempt, after a run that lasted `ranMs` and then failed. */
  next(ranMs: number): number {
    if (ranMs >= this.policy.stableMs) this.failures = 0;
    const delay = Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** this.failures);
    this.failures++;
    return delay;
  }
}
