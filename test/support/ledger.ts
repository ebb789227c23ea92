/** Reads the node fleet simulator's ledger over HTTP: what each simulated node holds. */
export interface LedgerNode {
  nodeId: string;
  service: string;
  version: string | null;
  deliveries: number;
  expiresAt: string | null;
  /** Total time this node held expired metadata. */
  expiredMs: number;
}

export async function ledgerOf(fleetUrl: string, service: string): Promise<Map<string, LedgerNode>> {
  const nodes = new Map<string, LedgerNode>();
  for (let offset = 0; ; ) {
    const res = await fetch(`${fleetUrl}/ledger?service=${encodeURIComponent(service)}&limit=5000&offset=${offset}`);
    const page = (await res.json()) as { nodes: LedgerNode[] };
    for (const n of page.nodes) nodes.set(n.nodeId, n);
    if (page.nodes.length < 5000) return nodes;
    offset += page.nodes.length;
  }
}

/** Node-seconds of expired metadata across the given nodes. */
export const expiredSeconds = (nodes: Iterable<LedgerNode>): number =>
  [...nodes].reduce((sum, n) => sum + n.expiredMs, 0) / 1000;
