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
  /**
   * Longest delay for a long-dead node: one whose copy expired, or that never held one and has
   * failed since. Its alert is open already; retrying it every `maxMs` would only multiply the load.
   */
  deadMaxMs: number;
}

export const DEFAULT_RETRY_TIMING: RetryTiming = { baseMs: 1_000, maxMs: 60_000, attemptsInBudget: 4, deadMaxMs: 30 * 60_000 };

/** The next due time of a node that just acked: `refreshBefore` ahead of its new deadline. */
export function dueAfterAck(expiresAt: Date, refreshBeforeSeconds: number): Date {
  return new Date(expiresAt.getTime() - refreshBeforeSeconds * 1000);
}

/** What the backoff of one failed node depends on. */
export interface FailedNode {
  /** Failures in this round, the one just recorded included. */
  attempts: number;
  /** Time left before its copy expires; negative once expired, null when it never held one. */
  msUntilDeadline: number | null;
  /** How long it has been failing without a valid copy (expired, or never delivered); 0 otherwise. */
  deadForMs: number;
}

/**
 * Delay before retrying a failed node. Within the budget: exponential from `baseMs`, capped by
 * `maxMs` and by the budget left, so that attempts keep coming until the deadline. A long-dead
 * node waits half as long as it has been dead (at least `maxMs`, at most `deadMaxMs`).
 * `random` in [0, 1) gives the jitter: the delay lies in [cap/2, cap), so retries of many nodes
 * failing together spread out instead of arriving as one wave.
 */
export function retryDelayMs(node: FailedNode, random: number, timing: RetryTiming = DEFAULT_RETRY_TIMING): number {
  const exponential = timing.baseMs * 2 ** Math.min(Math.max(node.attempts - 1, 0), 30);
  const { msUntilDeadline } = node;
  const budgetCap =
    msUntilDeadline !== null && msUntilDeadline > 0 ? Math.max(timing.baseMs, msUntilDeadline / timing.attemptsInBudget) : Infinity;
  const deadCap = Math.min(timing.deadMaxMs, Math.max(timing.maxMs, node.deadForMs / 2));
  const cap = Math.min(exponential, node.deadForMs > 0 ? deadCap : Math.min(timing.maxMs, budgetCap));
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
