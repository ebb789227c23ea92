/** The readable summaries operators see on each workflow in the Temporal Web UI. */
import type { NodeCounts, ServiceStatus, ShardSummary } from '../domain/status';

const countsLine = (c: NodeCounts): string =>
  `${c.total} nodes: ${c.fresh} fresh, ${c.pending} pending, ${c.failing} failing, ${c.expired} expired`;

export function describeShard(shard: number, s: ShardSummary): string {
  const lines = [
    `**Shard ${shard}** — ${countsLine(s.counts)}`,
    `Next refresh: ${s.nextRefreshAt ?? 'nothing due'} · last cycle: ${s.lastCycleAt ?? 'never'}`,
  ];
  if (s.engineError) lines.push(`Delivery activities failing: ${s.engineError}`);
  if (s.failingNodes.length > 0) {
    lines.push(`Failing: ${s.failingNodes.slice(0, 5).map((f) => `${f.nodeId} (${f.lastError})`).join(', ')}`);
  }
  return lines.join('\n\n');
}

export function describeService(name: string, s: ServiceStatus): string {
  const m = s.mapping;
  const lines = [
    `**Service ${name}** — ${s.state} — ${countsLine(s.nodes)}`,
    `Mapping ${m.etag ?? '(not loaded)'}: ${m.nodeCount} nodes, ${m.badRows} bad rows, loaded ${m.loadedAt ?? 'never'}`,
    `Shards: ${s.shardCount} · next refresh: ${s.nextRefreshAt ?? 'nothing due'}`,
  ];
  if (m.error) lines.push(`Mapping error: ${m.error}`);
  if (m.held) lines.push(`Mapping held: ${m.held}`);
  return lines.join('\n\n');
}
