/**
 * The Courier rows: the real API and worker as processes of their own (src/api/main.ts,
 * src/worker.ts with a prebuilt workflow bundle), services registered through the API, mappings
 * in MinIO, deliveries to the simulated fleet.
 *
 * - first delivery: registration to every node acked (mapping load, workflows start, deliveries);
 * - backlog drain: POST /v1/services/{id}/refresh on every service at once, so every node is due
 *   now: Courier's capacity, comparable with the ceiling and the peers, which also drain;
 * - on schedule: then `cycles` refresh cycles of the TTL schedule, nothing forced: acked/s (the
 *   offered load, N / (ttl - refreshBefore), when Courier keeps up), lateness, expiry;
 * - forced refresh: p50/p99 of POST .../nodes/{nodeId}/refresh during a refresh-all drain of its
 *   own (so the backlog row stays clean) and on schedule; the slowest and some typical ones split
 *   into the stages of their Update (bench/history.ts).
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Pool } from 'pg';
import { ADMIN_KEY, CpuWindow, DATA_DIR, FLEET_SECRET, LOG_DIR, PORTS, progress, RESULTS_DIR, sleep, waitForAcks, type Bench } from './context';
import { ROOT, startChild, type BenchChild } from './processes';
import { formatProfile, summarizeProfile, type ProfileSummary } from './profile';
import { updateSteps, formatSteps, type HistoryStep } from './history';
import { finishRow, type Row } from './result';
import { summarize, type Summary } from './stats';
import { MAPPINGS_BUCKET, s3Client } from '../src/stack/s3';
import { shardWorkflowId } from '../src/workflows/shard/definitions';

const TASK_QUEUE = 'bench';
const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export interface ServiceRef {
  id: string;
  name: string;
  nodes: number;
  prefix: string;
}

export interface ForcedRefreshFigure {
  phase: string;
  requests: number;
  statuses: Record<string, number>;
  latencyMs: Summary;
  /** The slowest requests and a few typical ones, split into the stages of their Update. */
  stages: { ms: number; nodeId: string; steps: HistoryStep[] }[];
}

interface ForcedSample {
  service: ServiceRef;
  nodeId: string;
  sentAt: number;
  status: number;
  ms: number;
}

/** Requests whose Update stages the figure keeps: the slowest, and some around the median. */
const SLOWEST_STAGED = 5;
const TYPICAL_STAGED = 3;

export class CourierRig {
  api!: BenchChild;
  workers: BenchChild[] = [];
  readonly apiUrl = `http://127.0.0.1:${PORTS.api}`;
  key = '';
  readonly services: ServiceRef[] = [];
  private serial = 0;

  constructor(readonly bench: Bench) {}

  get nodeCount(): number {
    return this.services.reduce((s, x) => s + x.nodes, 0);
  }

  async start(): Promise<void> {
    const { bench } = this;
    const bundlePath = join(DATA_DIR, 'workflow-bundle.js');
    progress('courier: bundling the workflows');
    // The workflows beside the worker's entry point (a modified copy of src/ brings its own).
    const workflowsPath = require.resolve(join(dirname(resolve(ROOT, bench.options.workerScript)), 'workflows'));
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
    writeFileSync(bundlePath, code);
    const env = {
      ...process.env,
      ...bench.env,
      COURIER_TASK_QUEUE: TASK_QUEUE,
      COURIER_ADMIN_KEY: ADMIN_KEY,
      // The bench measures the engine, not the per-customer quotas: its one customer is the whole load.
      COURIER_QUOTA_SERVICES: '1000000',
      COURIER_QUOTA_NODES: '1000000000',
      COURIER_QUOTA_FORCED_REFRESHES_PER_MINUTE: '1000000000',
      COURIER_LOG_LEVEL: 'warn',
      API_HOST: '127.0.0.1',
      API_PORT: String(PORTS.api),
      COURIER_HTTP_CONNECTIONS: String(bench.options.concurrency),
    };
    this.api = startChild({ name: 'api', script: 'src/api/main.ts', env, logDir: LOG_DIR });
    const profileDir = join(RESULTS_DIR, 'profiles');
    if (bench.options.profile) mkdirSync(profileDir, { recursive: true });
    for (let i = 0; i < bench.options.workers; i++) {
      this.workers.push(
        startChild({
          name: i === 0 ? 'worker' : `worker-${i + 1}`,
          script: bench.options.workerScript,
          nodeFlags: bench.options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
          // Metrics server off: several workers on one host would each want its port.
          env: { ...env, COURIER_WORKFLOW_BUNDLE: bundlePath, COURIER_WORKER_METRICS_PORT: '0', ...bench.options.workerEnv },
          logDir: LOG_DIR,
        }),
      );
    }
    await Promise.all(this.workers.map((w) => w.waitForLine('courier worker polling', 120_000)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${this.apiUrl}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline || !this.api.running) throw new Error(`the API did not answer /healthz:\n${this.api.tail()}`);
      await sleep(250);
    }
    this.key = await this.addCustomer('bench');
    const workerEnv = Object.entries(bench.options.workerEnv).map(([k, v]) => `${k}=${v}`).join(' ');
    const script = bench.options.workerScript === 'src/worker.ts' ? '' : ` ${bench.options.workerScript}`;
    const count = this.workers.length > 1 ? ` x${this.workers.length}` : '';
    progress(`courier: API on ${this.apiUrl}, worker${count}${script} polling${workerEnv ? ` (${workerEnv})` : ''}${bench.options.profile ? ', --cpu-prof on' : ''}`);
  }

  async call(method: string, path: string, body?: unknown, key = this.key): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  /** A customer of the deployment, granted the mapping bucket; returns its key. */
  async addCustomer(name: string): Promise<string> {
    const customer = await this.call('POST', '/v1/admin/customers', { name }, ADMIN_KEY);
    await this.call('POST', `/v1/admin/customers/${customer.id}/mapping-grants`, { bucket: MAPPINGS_BUCKET, prefix: '' }, ADMIN_KEY);
    return (await this.call('POST', `/v1/admin/customers/${customer.id}/keys`, {}, ADMIN_KEY)).key as string;
  }

  /** Puts the mappings in MinIO and registers `count` services of `perService` nodes, as the customer whose key is given. */
  async addServices(count: number, perService: number, apiKey = this.key): Promise<ServiceRef[]> {
    const { bench } = this;
    const s3 = s3Client({ endpoint: bench.env.S3_ENDPOINT, region: bench.env.S3_REGION, accessKeyId: bench.env.S3_ACCESS_KEY_ID, secretAccessKey: bench.env.S3_SECRET_ACCESS_KEY });
    const added: ServiceRef[] = [];
    try {
      for (let k = 0; k < count; k++) {
        const n = this.serial++;
        const name = `bench-svc-${n}`;
        const prefix = `s${n}-n`;
        const rows = Array.from({ length: perService }, (_, i) => `${prefix}${i}`);
        const key = `bench/${name}.csv`;
        await s3.send(new PutObjectCommand({ Bucket: MAPPINGS_BUCKET, Key: key, Body: `node\n${rows.join('\n')}\n` }));
        const created = await this.call('POST', '/v1/services', {
          name,
          mapping: { uri: `s3://${MAPPINGS_BUCKET}/${key}`, format: 'csv' },
          metadata: { url: `${bench.sim.sourceUrl}/v1/metadata?service={service}` },
          ttlSeconds: bench.options.ttlSeconds,
          refreshBeforeSeconds: bench.options.refreshBeforeSeconds,
          delivery: { endpoint: `${bench.sim.fleetUrl}/nodes/{node}/metadata`, timeoutMs: 5000 },
          signingSecret: FLEET_SECRET,
        }, apiKey);
        added.push({ id: created.id as string, name, nodes: perService, prefix });
      }
    } finally {
      s3.destroy();
    }
    this.services.push(...added);
    await bench.sim.schedule(Object.fromEntries(added.map((s) => [s.name, bench.options.refreshBeforeSeconds])));
    return added;
  }

  randomNode(): { service: ServiceRef; nodeId: string } {
    const service = this.services[Math.floor(Math.random() * this.services.length)] as ServiceRef;
    return { service, nodeId: `${service.prefix}${Math.floor(Math.random() * service.nodes)}` };
  }

  async forcedRefresh(): Promise<ForcedSample> {
    const { service, nodeId } = this.randomNode();
    const sentAt = Date.now();
    const t0 = performance.now();
    const res = await fetch(`${this.apiUrl}/v1/services/${service.id}/nodes/${nodeId}/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' },
      body: '{}',
    });
    await res.arrayBuffer();
    return { service, nodeId, sentAt, status: res.status, ms: performance.now() - t0 };
  }

  /** Open-loop forced refreshes at `rate` per second until `until` resolves (at most 50 outstanding). */
  async forcedRefreshesDuring(phase: string, rate: number, until: Promise<unknown>): Promise<ForcedRefreshFigure> {
    const samples: ForcedSample[] = [];
    const statuses: Record<string, number> = {};
    const inFlight = new Set<Promise<void>>();
    let over = false;
    void until.finally(() => (over = true));
    while (!over) {
      if (inFlight.size < 50) {
        const p: Promise<void> = this.forcedRefresh().then(
          (sample) => {
            samples.push(sample);
            statuses[sample.status] = (statuses[sample.status] ?? 0) + 1;
          },
          (err: unknown) => {
            statuses[`error: ${(err as Error).message}`] = (statuses[`error: ${(err as Error).message}`] ?? 0) + 1;
          },
        );
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await sleep(1000 / rate);
    }
    await Promise.allSettled([...inFlight]);
    const latencyMs = summarize(samples.map((x) => x.ms));
    return { phase, requests: samples.length, statuses, latencyMs, stages: await this.updateStages(samples) };
  }

  /** The Update stages of the slowest requests and of a few around the median (bench/history.ts). */
  private async updateStages(samples: ForcedSample[]): Promise<ForcedRefreshFigure['stages']> {
    const sorted = [...samples].sort((a, b) => b.ms - a.ms);
    const middle = Math.floor(sorted.length / 2);
    const picked = [...sorted.slice(0, SLOWEST_STAGED), ...sorted.slice(middle, middle + TYPICAL_STAGED)];
    const connection = await Connection.connect({ address: this.bench.env.TEMPORAL_ADDRESS });
    const db = new Pool({ connectionString: this.bench.env.DATABASE_URL, max: 1 });
    try {
      const staged: ForcedRefreshFigure['stages'] = [];
      for (const x of picked) {
        const { rows } = await db.query<{ shard: number }>('SELECT shard FROM nodes WHERE service_id = $1 AND node_id = $2', [x.service.id, x.nodeId]);
        const shard = rows[0]?.shard;
        if (shard === undefined) continue;
        const steps = await updateSteps(new Client({ connection }), shardWorkflowId(x.service.id, shard), x.nodeId, x.sentAt);
        if (steps) staged.push({ ms: Math.round(x.ms), nodeId: x.nodeId, steps });
      }
      return staged;
    } catch (err) {
      progress(`forced refresh: the Update stages were not read: ${(err as Error).message}`);
      return [];
    } finally {
      await db.end();
      await connection.close();
    }
  }

  /** Every node of every service due now; resolves when as many acks as nodes came in. */
  async drain(label: string): Promise<{ deliveries: number; seconds: number; timedOut: boolean }> {
    const { sim } = this.bench;
    const before = await sim.acked();
    const target = this.nodeCount;
    const t0 = Date.now();
    await Promise.all(this.services.map((s) => this.call('POST', `/v1/services/${s.id}/refresh`)));
    const reached = await waitForAcks(sim, before + target, { timeoutMs: Math.max(120_000, target * 5), label });
    return { deliveries: reached.acked - before, seconds: (reached.reachedAt - t0) / 1000, timedOut: reached.timedOut };
  }

  cpuScope() {
    const { servers } = this.bench;
    return this.bench.scope({
      ...Object.fromEntries(this.workers.map((w) => [w.name, w.pid])),
      api: this.api.pid,
      temporal: servers.temporal,
      postgres: servers.postgres,
      minio: servers.minio,
    });
  }

  /** Courier's own view of each service (GET /v1/services/{id}). */
  async statuses(): Promise<Record<string, unknown>[]> {
    return Promise.all(this.services.map((s) => this.call('GET', `/v1/services/${s.id}`)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop(30_000)));
    await this.api?.stop();
  }
}

export interface ScheduleWindow {
  deliveries: number;
  seconds: number;
  offeredPerSecond: number;
  cpu: ReturnType<CpuWindow['end']>;
  lateness: Summary;
  expiredNodeSeconds: number;
  expiredNodeSecondsTotal: number;
  holdingExpired: number;
}

/** Measures `cycles` refresh cycles of the schedule as they come; nothing is forced. */
export async function measureSchedule(rig: CourierRig, cycles: number, label: string): Promise<ScheduleWindow> {
  const { sim, options } = rig.bench;
  const cycleSeconds = options.ttlSeconds - options.refreshBeforeSeconds;
  const windowMs = cycles * cycleSeconds * 1000;
  await sim.resetLateness();
  const statsBefore = (await sim.stats()).fleet;
  const ackedBefore = await sim.acked();
  const cpu = new CpuWindow(rig.cpuScope());
  const t0 = Date.now();
  let lastAcked = ackedBefore;
  let lastAt = t0;
  while (Date.now() - t0 < windowMs) {
    await sleep(Math.min(10_000, windowMs - (Date.now() - t0)));
    const acked = await sim.acked();
    const now = Date.now();
    progress(
      `${label}: ${Math.round((now - t0) / 1000)}/${windowMs / 1000} s, ${Math.round(((acked - lastAcked) * 1000) / (now - lastAt)).toLocaleString('en')} acked/s in the last ${Math.round((now - lastAt) / 1000)} s`,
    );
    lastAcked = acked;
    lastAt = now;
  }
  const deliveries = (await sim.acked()) - ackedBefore;
  const seconds = (Date.now() - t0) / 1000;
  const cpuDelta = cpu.end();
  const statsAfter = (await sim.stats()).fleet;
  return {
    deliveries,
    seconds,
    offeredPerSecond: rig.nodeCount / cycleSeconds,
    cpu: cpuDelta,
    lateness: await sim.lateness(),
    expiredNodeSeconds: statsAfter.expiredNodeSeconds - statsBefore.expiredNodeSeconds,
    expiredNodeSecondsTotal: statsAfter.expiredNodeSeconds,
    holdingExpired: statsAfter.holdingExpired,
  };
}

export async function runCourier(bench: Bench): Promise<{ rows: Row[]; extra: Record<string, unknown> }> {
  const { options, sim } = bench;
  const rows: Row[] = [];
  const extra: Record<string, unknown> = {};
  await sim.reset();
  const rig = new CourierRig(bench);
  const forced: ForcedRefreshFigure[] = [];
  try {
    await rig.start();
    const perService = Math.ceil(options.nodes / options.services);
    const cycleSeconds = options.ttlSeconds - options.refreshBeforeSeconds;
    progress(
      `courier: registering ${options.services} services x ${perService.toLocaleString('en')} nodes (ttl ${options.ttlSeconds} s, refresh ${options.refreshBeforeSeconds} s before: each node every ${cycleSeconds} s)`,
    );

    // The first delivery is a backlog: every node is due at once and none holds a copy that could
    // expire meanwhile. From the first ack to the last node's first ack Courier runs flat out.
    const t0 = Date.now();
    const ackedBefore = await sim.acked();
    await rig.addServices(options.services, perService);
    const firstAck = await waitForAcks(sim, ackedBefore + 1, { timeoutMs: 180_000, label: 'courier first ack' });
    if (firstAck.timedOut) throw new Error(`no delivery within 180 s of registration:\n${rig.workers[0]?.tail() ?? ''}`);
    const cpu = new CpuWindow(rig.cpuScope());
    const done = await waitForAllNodes(rig, Math.max(180_000, rig.nodeCount * 5));
    const acked = (await sim.acked()) - ackedBefore;
    const seconds = (done - firstAck.reachedAt) / 1000;
    extra.courierFirstDelivery = { nodes: rig.nodeCount, secondsToFirstAck: (firstAck.reachedAt - t0) / 1000, secondsToLastNode: (done - t0) / 1000 };
    rows.push(
      finishRow({
        name: 'Courier, backlog',
        how: `first delivery to ${rig.nodeCount.toLocaleString('en')} nodes of ${rig.services.length} services, all due at once; first ack to last node`,
        deliveries: acked,
        seconds,
        cpu: cpu.end(),
        notes: [`registration to first ack ${((firstAck.reachedAt - t0) / 1000).toFixed(1)} s (mapping loads, workflows start)`],
      }),
    );
    progress(`courier: backlog of ${rig.nodeCount.toLocaleString('en')} nodes drained in ${seconds.toFixed(1)} s after the first ack: ${Math.round(acked / seconds).toLocaleString('en')}/s`);

    for (let d = 1; d <= options.drains; d++) {
      progress(`courier: refresh-all drain ${d}/${options.drains}: every node due now (POST /v1/services/{id}/refresh)`);
      const window = new CpuWindow(rig.cpuScope());
      const expiredBefore = (await sim.stats()).fleet.expiredNodeSeconds;
      const drained = await rig.drain(`courier drain ${d}`);
      const expired = (await sim.stats()).fleet.expiredNodeSeconds - expiredBefore;
      rows.push(
        finishRow({
          name: `Courier, refresh-all drain ${d}`,
          how: 'POST /v1/services/{id}/refresh on every service at once, nodes holding valid copies',
          deliveries: drained.deliveries,
          seconds: drained.seconds,
          cpu: window.end(),
          expiredNodeSeconds: expired,
        }),
      );
      progress(`courier: drain ${d}: ${Math.round(drained.deliveries / drained.seconds).toLocaleString('en')}/s, ${expired.toFixed(1)} node-seconds expired meanwhile`);
    }

    if (options.parts.has('forced')) {
      // Measured in a drain of its own: the forced refreshes cost the engine, and the backlog row
      // above stays comparable with the ceiling and the peers, which serve none.
      progress(`forced refresh at saturation: ${options.forcedRate}/s (open loop) during a refresh-all drain`);
      const window = new CpuWindow(rig.cpuScope());
      const drainDone = rig.drain('courier drain with forced refreshes');
      forced.push(await rig.forcedRefreshesDuring('at saturation (refresh-all drain)', options.forcedRate, drainDone.then(() => undefined, () => undefined)));
      const drained = await drainDone;
      rows.push(
        finishRow({
          name: 'Courier, drain + forced',
          how: `refresh-all drain while ${options.forcedRate} forced refreshes/s are served`,
          deliveries: drained.deliveries,
          seconds: drained.seconds,
          cpu: window.end(),
        }),
      );
    }

    progress(`courier: on schedule for ${options.cycles} cycles of ${cycleSeconds} s (offered ${Math.round(rig.nodeCount / cycleSeconds).toLocaleString('en')}/s)`);
    const w = await measureSchedule(rig, options.cycles, 'courier on schedule');
    rows.push(
      finishRow({
        name: 'Courier, on schedule',
        how: `ttl ${options.ttlSeconds} s, refresh ${options.refreshBeforeSeconds} s before; offered ${Math.round(w.offeredPerSecond).toLocaleString('en')}/s (a load, not a capacity)`,
        deliveries: w.deliveries,
        seconds: w.seconds,
        cpu: w.cpu,
        lateness: w.lateness,
        expiredNodeSeconds: w.expiredNodeSeconds,
        notes: [`expired node-seconds since registration: ${w.expiredNodeSecondsTotal.toFixed(1)}; nodes holding expired copies at the end: ${w.holdingExpired}`],
      }),
    );
    if (options.parts.has('forced')) {
      progress(`forced refresh on schedule: ${options.forcedRate}/s (open loop) for 20 s`);
      forced.push(await rig.forcedRefreshesDuring('on schedule', options.forcedRate, sleep(20_000)));
    }
    if (forced.length > 0) {
      extra.forcedRefresh = {
        figures: forced,
        summary: forced
          .map((f) => `${f.phase}: p50 ${fmtMs(f.latencyMs.p50)}, p99 ${fmtMs(f.latencyMs.p99)} (${f.requests} requests, ${JSON.stringify(f.statuses)})`)
          .join('; '),
      };
      for (const f of forced) for (const s of f.stages) progress(`forced refresh ${f.phase}, ${s.ms} ms: ${formatSteps(s.steps)}`);
    }
    extra.courierStatus = await rig.statuses();
    extra.courierTimeline = await sim.timeline();
    if (options.large) extra.large = await sweep(rig, perService);
    return { rows, extra };
  } finally {
    progress('courier: stopping the worker and the API');
    const stoppedAt = Date.now();
    await rig.stop();
    if (options.profile) {
      const summary = profileOf(stoppedAt);
      if (summary) extra.profile = summary;
    }
  }
}

/** Resolves (with the time) once every node of the rig has been delivered at least once. */
async function waitForAllNodes(rig: CourierRig, timeoutMs: number): Promise<number> {
  const { sim } = rig.bench;
  const deadline = Date.now() + timeoutMs;
  let lastReport = Date.now();
  for (;;) {
    const { fleet } = await sim.stats();
    const now = Date.now();
    if (fleet.nodes >= rig.nodeCount) return now;
    if (now > deadline) throw new Error(`only ${fleet.nodes} of ${rig.nodeCount} nodes delivered after ${timeoutMs / 1000} s`);
    if (now - lastReport >= 5_000) {
      progress(`courier backlog: ${fleet.nodes.toLocaleString('en')} / ${rig.nodeCount.toLocaleString('en')} nodes delivered`);
      lastReport = now;
    }
    await sleep(250);
  }
}

/** The newest CPU profile the worker wrote when it stopped. */
function profileOf(stoppedAt: number): { file: string; summary: string; detail: ProfileSummary } | undefined {
  const dir = join(RESULTS_DIR, 'profiles');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f: join(dir, f), t: statSync(join(dir, f)).mtimeMs }))
    .filter((x) => x.t >= stoppedAt - 60_000)
    .sort((a, b) => b.t - a.t);
  const file = files[0]?.f;
  if (!file) {
    progress('courier: the worker wrote no CPU profile');
    return undefined;
  }
  const detail = summarizeProfile(file);
  const text = formatProfile(detail);
  writeFileSync(file.replace(/\.cpuprofile$/, '.txt'), `${text}\n`);
  progress(`courier: worker CPU profile ${relative(ROOT, file)} (summary beside it, .txt)`);
  const head = detail.byCategory.slice(0, 6).map((c) => `${c.category} ${(c.share * 100).toFixed(0)}%`).join(', ');
  return { file: relative(ROOT, file), summary: `worker busy ${Math.round(detail.busyMs / 1000)} s: ${head}`, detail };
}

export interface SweepStep {
  nodes: number;
  offeredPerSecond: number;
  perSecond: number;
  cpuPer1k: number;
  lateness: Summary;
  expiredNodeSeconds: number;
  saturated: string | null;
}

/**
 * --large: more services, step by step, each measured on schedule for two cycles, until Courier
 * no longer keeps up: acked/s below 95% of the offered load, lateness p99 past the refresh
 * budget, or any expiry.
 */
async function sweep(rig: CourierRig, perService: number): Promise<{ steps: SweepStep[]; summary: string }> {
  const { options } = rig.bench;
  const steps: SweepStep[] = [];
  for (const target of options.largeSteps.filter((n) => n > rig.nodeCount)) {
    const add = Math.ceil((target - rig.nodeCount) / perService);
    progress(`large: ${rig.nodeCount.toLocaleString('en')} -> ${(rig.nodeCount + add * perService).toLocaleString('en')} nodes (${add} more services)`);
    await rig.addServices(add, perService);
    await waitForAllNodes(rig, Math.max(300_000, add * perService * 5));
    const w = await measureSchedule(rig, 2, `large ${rig.nodeCount.toLocaleString('en')}`);
    const perSecond = w.deliveries / w.seconds;
    const budgetMs = options.refreshBeforeSeconds * 1000;
    const saturated =
      w.expiredNodeSeconds > 0
        ? `expiry: ${w.expiredNodeSeconds.toFixed(1)} node-seconds`
        : (w.lateness.p99 ?? 0) > budgetMs
          ? `lateness p99 ${Math.round(w.lateness.p99 ?? 0)} ms exceeds the ${budgetMs / 1000} s refresh budget`
          : perSecond < 0.95 * w.offeredPerSecond
            ? `acked ${Math.round(perSecond)}/s < 95% of the offered ${Math.round(w.offeredPerSecond)}/s`
            : null;
    steps.push({
      nodes: rig.nodeCount,
      offeredPerSecond: w.offeredPerSecond,
      perSecond,
      cpuPer1k: (w.cpu.systemTotal * 1000) / Math.max(1, w.deliveries),
      lateness: w.lateness,
      expiredNodeSeconds: w.expiredNodeSeconds,
      saturated,
    });
    progress(
      `large ${rig.nodeCount.toLocaleString('en')}: offered ${Math.round(w.offeredPerSecond)}/s, acked ${Math.round(perSecond)}/s, lateness p50 ${Math.round(w.lateness.p50 ?? 0)} ms p99 ${Math.round(w.lateness.p99 ?? 0)} ms, expired ${w.expiredNodeSeconds.toFixed(1)} node-s${saturated ? ` -> saturated (${saturated})` : ''}`,
    );
    if (saturated) break;
  }
  const last = steps.at(-1);
  const summary = steps
    .map((s) => `${s.nodes.toLocaleString('en')} nodes: offered ${Math.round(s.offeredPerSecond)}/s, acked ${Math.round(s.perSecond)}/s, p99 ${Math.round(s.lateness.p99 ?? 0)} ms${s.saturated ? ` [saturated: ${s.saturated}]` : ''}`)
    .join('; ');
  return { steps, summary: last?.saturated ? summary : `${summary} (not saturated within the steps)` };
}

const fmtMs = (v: number | null) => (v === null ? '—' : `${Math.round(v)} ms`);
