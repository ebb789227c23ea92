/**
 * A node's state is derived from its delivery columns and the clock, never stored, so it cannot
 * go stale when a copy expires between two writes. The TypeScript and SQL forms must agree.
 */
export const NODE_STATES = ['fresh', 'pending', 'failing', 'expired'] as const;
export type NodeState = (typeof NODE_STATES)[number];

export interface NodeDeliveryColumns {
  expiresAt: Date | null;
  lastError: string | null;
}

export function nodeState(node: NodeDeliveryColumns, now: Date): NodeState {
  if (node.expiresAt && node.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (node.lastError !== null) return 'failing';
  if (node.expiresAt === null) return 'pending';
  return 'fresh';
}

/**
 * A failing node is *at risk* once most of its refresh budget is spent: less than
 * `fraction` of refreshBefore is left before its copy expires. A node that never held metadata
 * has nothing to lose and nothing valid either, so it is at risk from its first failure.
 * An expired node is a *breach*, the state `expired`; at risk is the warning before it.
 */
export const DEFAULT_AT_RISK_FRACTION = 0.5;

export function isAtRisk(node: NodeDeliveryColumns, now: Date, refreshBeforeSeconds: number, fraction = DEFAULT_AT_RISK_FRACTION): boolean {
  if (nodeState(node, now) !== 'failing') return false;
  if (node.expiresAt === null) return true;
  return node.expiresAt.getTime() - now.getTime() <= refreshBeforeSeconds * 1000 * fraction;
}

/** isAtRisk in SQL; `refreshBeforeSeconds` and `fraction` are SQL expressions (columns or parameters). */
export function nodeAtRiskSql(now: string, refreshBeforeSeconds: string, fraction: string): string {
  return `(${nodeStateSql('failing', now)} AND (expires_at IS NULL OR expires_at <= ${now} + make_interval(secs => ${refreshBeforeSeconds} * ${fraction})))`;
}

/** SQL predicates over the `nodes` table for each state, given `$now` as a bound timestamptz. */
export function nodeStateSql(state: NodeState, now: string): string {
  switch (state) {
    case 'expired':
      return `(expires_at IS NOT NULL AND expires_at <= ${now})`;
    case 'failing':
      return `((expires_at IS NULL OR expires_at > ${now}) AND last_error IS NOT NULL)`;
    case 'pending':
      return `(expires_at IS NULL AND last_error IS NULL)`;
    case 'fresh':
      return `(expires_at > ${now} AND last_error IS NULL)`;
  }
}

/** One row of counts for a set of nodes, in the shape of NodeCounts. */
export function nodeCountsSql(now: string): string {
  return `count(*)::int AS total,
    count(*) FILTER (WHERE ${nodeStateSql('fresh', now)})::int AS fresh,
    count(*) FILTER (WHERE ${nodeStateSql('pending', now)})::int AS pending,
    count(*) FILTER (WHERE ${nodeStateSql('failing', now)})::int AS failing,
    count(*) FILTER (WHERE ${nodeStateSql('expired', now)})::int AS expired`;
}
