/** What every part of the bench shares: the stack, the simulators, CPU accounting, progress. */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpuDelta, pidListeningOn, readCpu, type CpuDelta, type CpuReading, type CpuScope } from './cpu';
import type { BenchOptions } from './options';
import { BenchChild, ROOT, startChild } from './processes';
import { fileOutput } from '../src/stack/output';
import { startStack, type Stack, type StackEnv } from '../src/stack/stack';
import { portIsOpen } from '../src/stack/wait';

export const PORTS = {
  postgres: 5464,
  temporal: 7264,
  minio: 9032,
  fleet: 9111,
  source: 9112,
  simControl: 9113,
  api: 8090,
  redis: 6390,
};

/** The fleet's signing secret; Courier's services register it as their own. */
export const FLEET_SECRET = 'courier-bench-fleet-signing-secret-0123456789';
const PAYLOAD_BYTES = 10_240;
/** The bench API's admin key: 32 random bytes per run, as COURIER_ADMIN_KEY requires. */
export const ADMIN_KEY = randomBytes(32).toString('base64url');

export const DATA_DIR = join(ROOT, '.data', 'bench');
export const LOG_DIR = join(DATA_DIR, 'logs');
export const RESULTS_DIR = join(ROOT, 'bench-results');

const began = Date.now();

export function progress(line: string): void {
  const s = Math.round((Date.now() - began) / 1000);
  const stamp = `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  process.stdout.write(`[bench ${stamp}] ${line}\n`);
}

export class SimClient {
  constructor(
    readonly fleetUrl: string,
    readonly sourceUrl: string,
    private readonly controlUrl: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.controlUrl}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`simulator control ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  acked = async (): Promise<number> => (await this.call<{ acked: number }>('GET', '/acked')).acked;
  timeline = () => this.call<{ start: number; perSecond: number[] }>('GET', '/timeline');
  schedule = (services: Record<string, number>) => this.call('PUT', '/schedule', { services });
  lateness = () => this.call<import('./stats').Summary>('GET', '/lateness');
  resetLateness = () => this.call('POST', '/lateness/reset');
  stats = () => this.call<{ fleet: FleetStatsLike; source: Record<string, unknown> }>('GET', '/stats');
  reset = () => this.call('POST', '/reset');
}

export interface FleetStatsLike {
  nodes: number;
  acked: number;
  rejected: number;
  holdingValid: number;
  holdingExpired: number;
  expiredNodeSeconds: number;
  lateArrivals: number;
}

export interface Bench {
  options: BenchOptions;
  stack: Stack;
  env: StackEnv;
  sim: SimClient;
  simChild: BenchChild;
  /** Pids of the stack's servers. */
  servers: { postgres?: number; temporal?: number; minio?: number };
  /** A CPU scope: the given trees (plus this process) as the system, the simulators apart. */
  scope(system: Record<string, number | undefined>): CpuScope;
  stop(): Promise<void>;
}

export async function startBench(options: BenchOptions): Promise<Bench> {
  for (const [name, port] of Object.entries(PORTS)) {
    if (await portIsOpen(port)) {
      throw new Error(`port ${port} (${name}) is in use: a previous bench may still be running; stop it, or free the port`);
    }
  }
  rmSync(DATA_DIR, { recursive: true, force: true });
  progress(`starting PostgreSQL :${PORTS.postgres}, Temporal :${PORTS.temporal} (headless), MinIO :${PORTS.minio} in ${DATA_DIR}`);
  const stackEnv: NodeJS.ProcessEnv = { ...process.env };
  // The bench starts its own servers: addresses of other stacks in the environment do not apply.
  for (const k of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'S3_ENDPOINT']) delete stackEnv[k];
  const stack = await startStack({
    dataDir: DATA_DIR,
    ports: { postgres: PORTS.postgres, temporal: PORTS.temporal, minio: PORTS.minio },
    output: fileOutput(LOG_DIR, (line) => progress(`stack: ${line}`)),
    fresh: true,
    env: stackEnv,
    onUnexpectedExit: (exited) => progress(`WARNING: ${exited.name} ${exited.describeExit()} (see ${LOG_DIR}/${exited.name}.log)`),
  });
  const servers = {
    postgres: pidListeningOn(PORTS.postgres),
    temporal: pidListeningOn(PORTS.temporal),
    minio: pidListeningOn(PORTS.minio),
  };

  const simChild = startChild({
    name: 'simulators',
    script: 'bench/sim.ts',
    env: {
      ...process.env,
      BENCH_SIM: JSON.stringify({
        fleetPort: PORTS.fleet,
        sourcePort: PORTS.source,
        controlPort: PORTS.simControl,
        secret: FLEET_SECRET,
        payloadBytes: PAYLOAD_BYTES,
      }),
    },
    logDir: LOG_DIR,
  });
  const ready = await simChild.waitFor('ready', 30_000);
  const sim = new SimClient(ready.fleetUrl as string, ready.sourceUrl as string, `http://127.0.0.1:${PORTS.simControl}`);
  progress(`simulators: node fleet ${sim.fleetUrl}, metadata source ${sim.sourceUrl} (${PAYLOAD_BYTES} B shared metadata), one process`);

  return {
    options,
    stack,
    env: stack.env,
    sim,
    simChild,
    servers,
    scope: (system) => ({ system: { ...system, bench: process.pid }, simulators: { simulators: simChild.pid }, selfOnly: new Set(['bench']) }),
    async stop() {
      await simChild.stop();
      await stack.stop();
    },
  };
}

/** Reads CPU at the start and end of a measured window. */
export class CpuWindow {
  private start: CpuReading;
  constructor(private readonly scope: CpuScope) {
    this.start = readCpu(scope);
  }
  restart(): void {
    this.start = readCpu(this.scope);
  }
  end(): CpuDelta {
    return cpuDelta(this.start, readCpu(this.scope));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the fleet's ack counter until it reaches `target` or `timeoutMs` passes; reports progress. */
export async function waitForAcks(
  sim: SimClient,
  target: number,
  opts: { timeoutMs: number; label: string; everyMs?: number; reportEveryMs?: number },
): Promise<{ acked: number; reachedAt: number; timedOut: boolean }> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastReport = Date.now();
  let lastCount = await sim.acked();
  let lastAt = Date.now();
  for (;;) {
    const acked = await sim.acked();
    const now = Date.now();
    if (acked >= target) return { acked, reachedAt: now, timedOut: false };
    if (now > deadline) return { acked, reachedAt: now, timedOut: true };
    if (now - lastReport >= (opts.reportEveryMs ?? 5_000)) {
      const rate = ((acked - lastCount) * 1000) / (now - lastAt);
      progress(`${opts.label}: ${acked.toLocaleString('en')} / ${target.toLocaleString('en')} acked (${Math.round(rate).toLocaleString('en')}/s)`);
      lastReport = now;
      lastCount = acked;
      lastAt = now;
    }
    await sleep(opts.everyMs ?? 100);
  }
}
