/**
 * When a node is next due. An acked node is due `refreshBefore` ahead of its deadline; a failed
 * one is retried with exponential backoff and jitter, capped by the budget left before its
 * deadline so that retries keep coming until then (and, past it, at the cap: never give up).
 */

export interface RetryTiming {
  /** First retry delay. */
  baseMs: number;
  /** Longest delay between two attempts, budget permitting. */
  maxMs: number;
  /** Retries aim to fit at least this many attempts in the budget left before the deadline. */
  attemptsInBudget: number;
}

export const DEFAULT_RETRY_TIMING: RetryTiming = { baseMs: 1_000, maxMs: 60_000, attemptsInBudget: 4 };

export function refreshAt(expiresAt: Date, refreshBeforeSeconds: number): Date {
  return new Date(expiresAt.getTime() - refreshBeforeSeconds * 1000);
}

/**
 * Delay before retrying a node that has failed `attempts` times in this round.
 * `random` in [0, 1) gives the jitter: the delay lies in [cap/2, cap), so retries of many nodes
 * failing together spread out instead of arriving as one wave.
 */
export function retryDelayMs(
  attempts: number,
  msUntilDeadline: number | null,
  random: number,
  timing: RetryTiming = DEFAULT_RETRY_TIMING,
): number {
  const exponential = timing.baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30);
  const budgetCap =
    msUntilDeadline !== null && msUntilDeadline > 0
      ? Math.max(timing.baseMs, msUntilDeadline / timing.attemptsInBudget)
      : timing.maxMs;
  const cap = Math.min(exponential, timing.maxMs, budgetCap);
  return Math.floor(cap / 2 + (random * cap) / 2);
}

/**
 * Nodes due within this window are delivered together with the ones due now, so a shard whose
 * nodes were acked a few hundred milliseconds apart wakes once per cycle, not once per node.
 * A tenth of refreshBefore keeps the early delivery negligible against the refresh budget.
 */
export function batchWindowMs(refreshBeforeSeconds: number): number {
  return Math.min(5_000, (refreshBeforeSeconds * 1000) / 10);
}
