/**
 * What every simulated node holds, and how long it held expired metadata.
 *
 * Benchmarks run 100k+ nodes, so a node costs one small fixed-shape record (times are epoch ms,
 * 0 for "never") and repeated strings (service names, versions) are shared, not copied per node.
 * The same node id may serve several services; those records chain off the node's first one.
 */
class NodeRecord {
  version: string | null = null;
  deliveredAt = 0;
  expiresAt = 0;
  firstDeliveredAt = 0;
  deliveries = 0;
  /** Expired time of copies already replaced; the current copy's is added when read. */
  closedExpiredMs = 0;
  lateArrivals = 0;
  maxLateMs = 0;
  rejected = 0;
  lastRejected: string | null = null;
  /** Copies the node fetched itself (GET /v1/nodes/{nodeId}/metadata), counted in `deliveries` too. */
  pulls = 0;
  /** What the node needs to pull: its service's id (from the push's Idempotency-Key) and its last pull token. */
  pullCredential: PullCredential | null = null;
  next: NodeRecord | null = null;

  constructor(
    readonly nodeId: string,
    readonly service: string,
  ) {}
}

export interface PullCredential {
  serviceId: string;
  token: string;
}

/** One node of one service as the ledger endpoints show it. */
export interface NodeView {
  nodeId: string;
  /** Empty when only unreadable requests (no service in the body) reached this node. */
  service: string;
  version: string | null;
  /** When the current copy arrived. */
  deliveredAt: string | null;
  expiresAt: string | null;
  firstDeliveredAt: string | null;
  /** Copies accepted (acked). */
  deliveries: number;
  /** Whether the current copy has expired now. */
  expired: boolean;
  /** Total time this node held expired metadata, including the current copy's if it has expired. */
  expiredMs: number;
  /** Copies that arrived after the previous one had expired. */
  lateArrivals: number;
  /** The longest such gap. */
  maxLateMs: number;
  rejected: number;
  lastRejected: string | null;
  /** Of the deliveries, those the node pulled. */
  pulls: number;
  /** Whether the node holds a pull token to pull with. */
  canPull: boolean;
}

export interface LedgerSummary {
  /** (service, node) pairs seen. */
  nodes: number;
  holdingValid: number;
  holdingExpired: number;
  expiredNodeSeconds: number;
  deliveries: number;
  lateArrivals: number;
  rejected: number;
}

export interface LedgerQuery {
  service?: string;
  limit: number;
  offset: number;
}

export interface LedgerPage {
  summary: LedgerSummary;
  /** Records matching the query, before paging. */
  total: number;
  limit: number;
  offset: number;
  nodes: NodeView[];
}

/** Bounded so a stream of unique versions (perNode mode) cannot grow it without limit. */
const INTERN_LIMIT = 10_000;

export class Ledger {
  private readonly byNode = new Map<string, NodeRecord>();
  private records = 0;
  private readonly services = new Map<string, string>();
  private readonly versions = new Map<string, string>();

  constructor(private readonly now: () => number) {}

  /** A copy arrived and was acked (or was pulled); a pull credential that came with it replaces the one kept. */
  accept(nodeId: string, service: string, version: string, expiresAt: number, pull?: { credential: PullCredential | null; pulled: boolean }): void {
    const record = this.recordOf(nodeId, service);
    if (pull?.credential) record.pullCredential = pull.credential;
    if (pull?.pulled) record.pulls += 1;
    const now = this.now();
    if (record.version !== null && record.expiresAt < now) {
      const late = now - record.expiresAt;
      record.closedExpiredMs += late;
      record.lateArrivals += 1;
      if (late > record.maxLateMs) record.maxLateMs = late;
    }
    if (record.firstDeliveredAt === 0) record.firstDeliveredAt = now;
    record.version = intern(this.versions, version);
    record.deliveredAt = now;
    record.expiresAt = expiresAt;
    record.deliveries += 1;
  }

  reject(nodeId: string, service: string, reason: string): void {
    const record = this.recordOf(nodeId, service);
    record.rejected += 1;
    record.lastRejected = reason;
  }

  pullCredential(nodeId: string, service: string): PullCredential | null {
    return this.find(nodeId, service)?.pullCredential ?? null;
  }

  /** The version a node currently holds for a service, if any. */
  heldVersion(nodeId: string, service: string): string | null {
    return this.find(nodeId, service)?.version ?? null;
  }

  /** Every service's record for one node (usually one). */
  node(nodeId: string, service?: string): NodeView[] {
    const now = this.now();
    const views: NodeView[] = [];
    for (let r = this.byNode.get(nodeId) ?? null; r; r = r.next) {
      if (service === undefined || r.service === service) views.push(view(r, now));
    }
    return views;
  }

  page(query: LedgerQuery): LedgerPage {
    const now = this.now();
    const summary = emptySummary();
    const nodes: NodeView[] = [];
    let total = 0;
    for (const r of this.all()) {
      if (query.service !== undefined && r.service !== query.service) continue;
      addTo(summary, r, now);
      if (total >= query.offset && nodes.length < query.limit) nodes.push(view(r, now));
      total += 1;
    }
    return { summary: finish(summary), total, limit: query.limit, offset: query.offset, nodes };
  }

  summary(service?: string): LedgerSummary {
    return this.page({ service, limit: 0, offset: 0 }).summary;
  }

  reset(): void {
    this.byNode.clear();
    this.records = 0;
    this.services.clear();
    this.versions.clear();
  }

  get size(): number {
    return this.records;
  }

  private *all(): Generator<NodeRecord> {
    for (const first of this.byNode.values()) {
      for (let r: NodeRecord | null = first; r; r = r.next) yield r;
    }
  }

  private find(nodeId: string, service: string): NodeRecord | null {
    let r = this.byNode.get(nodeId) ?? null;
    while (r && r.service !== service) r = r.next;
    return r;
  }

  private recordOf(nodeId: string, service: string): NodeRecord {
    const first = this.byNode.get(nodeId);
    let r = first ?? null;
    let last: NodeRecord | null = null;
    while (r) {
      if (r.service === service) return r;
      last = r;
      r = r.next;
    }
    const created = new NodeRecord(nodeId, intern(this.services, service));
    if (last) last.next = created;
    else this.byNode.set(nodeId, created);
    this.records += 1;
    return created;
  }
}

function intern(pool: Map<string, string>, value: string): string {
  const known = pool.get(value);
  if (known !== undefined) return known;
  if (pool.size >= INTERN_LIMIT) pool.clear();
  pool.set(value, value);
  return value;
}

const ongoingExpiredMs = (r: NodeRecord, now: number): number =>
  r.version !== null && r.expiresAt < now ? now - r.expiresAt : 0;

const iso = (ms: number): string | null => (ms === 0 ? null : new Date(ms).toISOString());

function view(r: NodeRecord, now: number): NodeView {
  const ongoing = ongoingExpiredMs(r, now);
  return {
    nodeId: r.nodeId,
    service: r.service,
    version: r.version,
    deliveredAt: iso(r.deliveredAt),
    expiresAt: r.version === null ? null : new Date(r.expiresAt).toISOString(),
    firstDeliveredAt: iso(r.firstDeliveredAt),
    deliveries: r.deliveries,
    expired: ongoing > 0,
    expiredMs: r.closedExpiredMs + ongoing,
    lateArrivals: r.lateArrivals,
    maxLateMs: r.maxLateMs,
    rejected: r.rejected,
    lastRejected: r.lastRejected,
    pulls: r.pulls,
    canPull: r.pullCredential !== null,
  };
}

/** Summed in milliseconds, reported in seconds. */
type SummaryAccumulator = LedgerSummary & { expiredMs: number };

const emptySummary = (): SummaryAccumulator => ({
  nodes: 0,
  holdingValid: 0,
  holdingExpired: 0,
  expiredNodeSeconds: 0,
  expiredMs: 0,
  deliveries: 0,
  lateArrivals: 0,
  rejected: 0,
});

function addTo(s: SummaryAccumulator, r: NodeRecord, now: number): void {
  s.nodes += 1;
  if (r.version !== null) {
    if (r.expiresAt < now) s.holdingExpired += 1;
    else s.holdingValid += 1;
  }
  s.expiredMs += r.closedExpiredMs + ongoingExpiredMs(r, now);
  s.deliveries += r.deliveries;
  s.lateArrivals += r.lateArrivals;
  s.rejected += r.rejected;
}

function finish({ expiredMs, ...summary }: SummaryAccumulator): LedgerSummary {
  return { ...summary, expiredNodeSeconds: expiredMs / 1000 };
}
