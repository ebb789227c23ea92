/** The shapes of status that workflows report and the API shows. Plain data, JSON-safe. */

export interface NodeCounts {
  total: number;
  /** Holds an unexpired copy and is not failing. */
  fresh: number;
  /** Never delivered yet, with no failed attempt. */
  pending: number;
  /** Last attempt failed while the copy it holds (if any) is still valid. */
  failing: number;
  /** Holds a copy that has expired: a breach. */
  expired: number;
}

export const zeroCounts = (): NodeCounts => ({ total: 0, fresh: 0, pending: 0, failing: 0, expired: 0 });

export function addCounts(a: NodeCounts, b: NodeCounts): NodeCounts {
  return {
    total: a.total + b.total,
    fresh: a.fresh + b.fresh,
    pending: a.pending + b.pending,
    failing: a.failing + b.failing,
    expired: a.expired + b.expired,
  };
}

export interface FailingNode {
  nodeId: string;
  attempts: number;
  lastError: string;
}

/** Workflow state keeps at most this many failing nodes; the database has all of them. */
export const FAILING_SAMPLE_LIMIT = 20;

export interface BadRow {
  line: number;
  reason: string;
}

export const BAD_ROW_SAMPLE_LIMIT = 20;

export interface MappingStatus {
  etag: string | null;
  nodeCount: number;
  loadedAt: string | null;
  badRows: number;
  badRowSamples: BadRow[];
  /** Why the last load or check failed; the last good node list stays in force. */
  error: string | null;
  /** Why a newer mapping was read but not applied (empty or much smaller). */
  held: string | null;
  checkedAt: string | null;
}

export const emptyMappingStatus = (): MappingStatus => ({
  etag: null,
  nodeCount: 0,
  loadedAt: null,
  badRows: 0,
  badRowSamples: [],
  error: null,
  held: null,
  checkedAt: null,
});

/** What one shard (or a group of shards) reports to its parent after a refresh cycle. */
export interface ShardSummary {
  counts: NodeCounts;
  nextRefreshAt: string | null;
  lastCycleAt: string | null;
  failingNodes: FailingNode[];
  /** Set while delivery activities themselves fail (database or worker trouble), not nodes. */
  engineError: string | null;
}

export const emptyShardSummary = (): ShardSummary => ({
  counts: zeroCounts(),
  nextRefreshAt: null,
  lastCycleAt: null,
  failingNodes: [],
  engineError: null,
});

export type ServiceState = 'loading' | 'active' | 'degraded' | 'deleting';

export interface ServiceStatus {
  serviceId: string;
  state: ServiceState;
  mapping: MappingStatus;
  shardCount: number;
  nodes: NodeCounts;
  nextRefreshAt: string | null;
  lastCycleAt: string | null;
  failingNodes: FailingNode[];
}

const earliest = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a < b ? a : b);
const latest = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a > b ? a : b);

/** One summary for many shards: counts added, the soonest refresh, the latest cycle, a capped sample. */
export function mergeSummaries(summaries: Iterable<ShardSummary>): ShardSummary {
  const merged = emptyShardSummary();
  for (const s of summaries) {
    merged.counts = addCounts(merged.counts, s.counts);
    merged.nextRefreshAt = earliest(merged.nextRefreshAt, s.nextRefreshAt);
    merged.lastCycleAt = latest(merged.lastCycleAt, s.lastCycleAt);
    if (merged.failingNodes.length < FAILING_SAMPLE_LIMIT) {
      merged.failingNodes.push(...s.failingNodes.slice(0, FAILING_SAMPLE_LIMIT - merged.failingNodes.length));
    }
    merged.engineError ??= s.engineError;
  }
  return merged;
}

/** Whether a new summary says something the parent does not know yet (timestamps aside). */
export function summaryChanged(before: ShardSummary | undefined, after: ShardSummary): boolean {
  if (!before) return true;
  const c = (s: ShardSummary) => JSON.stringify([s.counts, s.failingNodes.map((f) => f.nodeId), s.engineError]);
  return c(before) !== c(after);
}
