import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceDetailSchema, type ServiceDetail } from '../../api/schemas/services';
import { servicePath, type Command } from '../context';
import { orDash, progressBar, relative, type Output } from '../output';

/**
 * Every node the service has holds a fresh copy. Node counts come from shard summaries, which can
 * lag a just-loaded mapping, so the count must also have caught up with the mapping's.
 */
export function isAllFresh(s: ServiceDetail): boolean {
  const { nodes, mapping } = s;
  return mapping.loadedAt !== null && nodes.total >= (mapping.nodeCount ?? 0) && nodes.fresh === nodes.total;
}

/** The live view's lines: kept under 80 columns, so that redrawing in place never wraps. */
export function watchView(s: ServiceDetail, now: number): string[] {
  const n = s.nodes;
  const loaded = s.mapping.loadedAt !== null;
  const lines = [
    `${s.name}  ${s.id}`,
    `state     ${s.state}`,
    `mapping   ${progressBar(loaded ? 1 : 0, 1)}  ${loaded ? `${orDash(s.mapping.nodeCount)} nodes, ${s.mapping.badRows} bad rows` : 'loading'}`,
    `delivery  ${progressBar(n.fresh, n.total)}  ${n.fresh}/${n.total} fresh`,
    `nodes     fresh ${n.fresh}  pending ${n.pending}  failing ${n.failing}  expired ${n.expired}`,
    `refresh   next due ${relative(s.nextRefreshAt, now)}, last cycle ${relative(s.lastCycleAt, now)}`,
  ];
  if (s.mapping.error) lines.push(`mapping error: ${s.mapping.error}`);
  if (s.mapping.held) lines.push(`mapping held: ${s.mapping.held}`);
  return lines;
}

/** Replaces the previous frame of `height` lines with `lines`; returns the new height. */
function redraw(out: Output, lines: string[], height: number): number {
  const erase = height > 0 ? `\x1b[${height}A\x1b[J` : '';
  out.io.stdout.write(`${erase}${lines.join('\n')}\n`);
  return lines.length;
}

export const watchCommand: Command = {
  words: ['watch'],
  summary: 'Follow a service: mapping load, delivery progress, node states (one JSON line per poll when not on a terminal)',
  args: ['ID'],
  flags: {
    interval: { type: 'integer', value: 'SECONDS', description: 'between polls (default 2)' },
    once: { type: 'boolean', description: 'print one snapshot and exit' },
    'until-fresh': { type: 'boolean', description: 'exit 0 as soon as every node holds a fresh copy' },
    timeout: { type: 'integer', value: 'SECONDS', description: 'stop after this long; with --until-fresh, exit 1 if not all fresh by then' },
  },
  async run({ client, out }, input) {
    const intervalMs = (input.integer('interval') ?? 2) * 1000;
    const timeout = input.integer('timeout');
    if (intervalMs <= 0) throw input.usageError('--interval: must be at least 1');
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
    const live = out.io.stdout.isTTY === true && !out.json;
    let height = 0;
    for (;;) {
      const status = await client.get(servicePath(input.arg('ID')), ServiceDetailSchema);
      if (live) height = redraw(out, watchView(status, Date.now()), height);
      else out.jsonLine(status);
      const fresh = isAllFresh(status);
      if (input.boolean('once')) return 0;
      if (input.boolean('until-fresh') && fresh) {
        if (live) out.line('Every node holds a fresh copy.');
        return 0;
      }
      if (Date.now() + intervalMs > deadline) {
        if (!input.boolean('until-fresh')) return 0;
        out.note(`courier: not every node was fresh within ${timeout} s`);
        return 1;
      }
      await sleep(intervalMs);
    }
  },
};
