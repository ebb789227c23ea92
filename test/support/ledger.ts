/** What each simulated node holds, read from the node fleet simulator's ledger. */
import type { NodeFleet, NodeView } from '../../src/simulators/node-fleet';

const PAGE = 1000;

export function ledgerOf(fleet: NodeFleet, service: string): Map<string, NodeView> {
  const nodes = new Map<string, NodeView>();
  for (let offset = 0; ; offset += PAGE) {
    const page = fleet.ledger({ service, limit: PAGE, offset });
    for (const n of page.nodes) nodes.set(n.nodeId, n);
    if (offset + PAGE >= page.total) return nodes;
  }
}

/** Node-seconds of expired metadata across the given nodes. */
export const expiredSeconds = (nodes: Iterable<NodeView>): number =>
  [...nodes].reduce((sum, n) => sum + n.expiredMs, 0) / 1000;
