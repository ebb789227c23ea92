/**
 * The benchmark's world, in a process of its own: the node fleet and the metadata source of
 * src/simulators (both on one event loop, as one "one-process Node HTTP server" side), plus a
 * small control server for the bench:
 *
 *   GET  /acked              acks so far (a counter kept per accepted delivery: O(1))
 *   GET  /timeline           acks per second since the last reset
 *   PUT  /schedule           { services: { <name>: refreshBeforeSeconds } }: whose lateness to record
 *   GET  /lateness           percentiles of the lateness samples since the last POST /lateness/reset
 *   POST /lateness/reset
 *   GET  /stats              fleet stats (scans the ledger) and source stats
 *   POST /reset              forgets the ledger, counters, timeline and samples
 *
 * Lateness of one delivery = the time the node acked it (the fleet's clock) minus the time it
 * was due: the previous copy's expiresAt minus the service's refreshBefore, which is exactly when
 * Courier schedules the node's refresh (next_due_at). Negative values are early deliveries
 * (Courier batches nodes due within a short window together).
 *
 * Configuration: env BENCH_SIM (JSON: fleetPort, sourcePort, controlPort, secret, payloadBytes).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ledger } from '../src/simulators/fleet/ledger';
import { startMetadataSource } from '../src/simulators/metadata-source';
import { startNodeFleet } from '../src/simulators/node-fleet';
import { emit } from './processes';
import { summarize } from './stats';

interface SimConfig {
  fleetPort: number;
  sourcePort: number;
  controlPort: number;
  secret: string;
  payloadBytes: number;
}

interface RecordLike {
  version: string | null;
  expiresAt: number;
}

const schedule = new Map<string, number>();
let samples: number[] = [];
let acked = 0;
let timelineStart = Date.now();
let timeline: number[] = [];

function instrumentLedger(): void {
  const proto = Ledger.prototype as unknown as {
    accept(this: Ledger, nodeId: string, service: string, version: string, expiresAt: number): void;
    find(this: Ledger, nodeId: string, service: string): RecordLike | null;
  };
  const accept = proto.accept;
  proto.accept = function (nodeId, service, version, expiresAt) {
    const now = Date.now();
    const refreshBeforeMs = schedule.get(service);
    if (refreshBeforeMs !== undefined) {
      const previous = proto.find.call(this, nodeId, service);
      if (previous && previous.version !== null) samples.push(now - (previous.expiresAt - refreshBeforeMs));
    }
    acked += 1;
    const second = Math.floor((now - timelineStart) / 1000);
    timeline[second] = (timeline[second] ?? 0) + 1;
    accept.call(this, nodeId, service, version, expiresAt);
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_SIM ?? '{}') as SimConfig;
  instrumentLedger();
  const fleet = await startNodeFleet({ port: config.fleetPort, secret: config.secret });
  const source = await startMetadataSource({ port: config.sourcePort, payloadBytes: config.payloadBytes, mode: 'shared' });

  const routes: Record<string, (req: IncomingMessage, body: string) => unknown> = {
    'GET /acked': () => ({ acked, at: Date.now() }),
    'GET /timeline': () => ({ start: timelineStart, perSecond: Array.from(timeline, (v) => v ?? 0) }),
    'PUT /schedule': (_req, body) => {
      const { services } = JSON.parse(body) as { services: Record<string, number> };
      for (const [name, seconds] of Object.entries(services)) schedule.set(name, seconds * 1000);
      return { services: schedule.size };
    },
    'GET /lateness': () => summarize(samples),
    'POST /lateness/reset': () => {
      samples = [];
      return {};
    },
    'GET /stats': () => ({ fleet: fleet.stats(), source: source.stats() }),
    'POST /reset': () => {
      fleet.reset();
      source.resetStats();
      samples = [];
      acked = 0;
      timeline = [];
      timelineStart = Date.now();
      return {};
    },
  };

  const control = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const route = routes[`${req.method} ${(req.url ?? '').split('?')[0]}`];
      try {
        const result = route ? route(req, body) : { error: 'no such route' };
        res.writeHead(route ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: (err as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => control.listen(config.controlPort, '127.0.0.1', resolve));

  const stop = async () => {
    control.close();
    await Promise.allSettled([fleet.close(), source.close()]);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  const controlPort = (control.address() as AddressInfo).port;
  emit('ready', { fleetUrl: fleet.url, sourceUrl: source.url, controlUrl: `http://127.0.0.1:${controlPort}`, version: source.stats().version });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
