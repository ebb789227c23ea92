/** The readable summaries operators see on each workflow in the Temporal Web UI. */
import type { NodeCounts, ServiceStatus } from '../domain/status';
import type { ShardState } from './shard/definitions';

const countsLine = (c: NodeCounts): string =>
  `${c.total} nodes: ${c.fresh} fresh, ${c.pending} pending, ${c.failing} failing, ${c.expired} expired`;

export function describeShard(shard: number, s: ShardState): string {
  const lines = [
    `**Shard ${shard}** — ${s.counts ? countsLine(s.counts) : 'not run yet'}`,
    `Next run: ${s.nextDueAt ?? 'nothing due'} · last run: ${s.lastRunAt ?? 'never'}`,
  ];
  if (s.engineError) lines.push(`Delivery activities failing: ${s.engineError}`);
  return lines.join('\n\n');
}

export function describeService(name: string, s: ServiceStatus): string {
  const m = s.mapping;
  const lines = [
    `**Service ${name}** — ${s.state} — ${s.shardCount} shards`,
    `Mapping ${m.etag ?? '(not loaded)'}: ${m.nodeCount} nodes, ${m.badRows} bad rows, loaded ${m.loadedAt ?? 'never'}`,
  ];
  if (m.error) lines.push(`Mapping error: ${m.error}`);
  if (m.held) lines.push(`Mapping held: ${m.held}`);
  return lines.join('\n\n');
}
