/**
 * The Courier rig of the bench: the real API and worker as processes of their own (src/api/main.ts,
 * src/worker.ts with a prebuilt workflow bundle), services registered through the API, mappings
 * in MinIO, deliveries to the simulated fleet. The Courier rows (courier.ts), fairness and the
 * small-services part drive it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Pool } from 'pg';
import { ADMIN_KEY, DATA_DIR, FLEET_SECRET, LOG_DIR, PORTS, progress, RESULTS_DIR, sleep, waitForAcks, type Bench } from './context';
import { ROOT, startChild, type BenchChild } from './processes';
import { updateSteps, type HistoryStep } from './history';
import { summarize, type Summary } from './stats';
import { createS3Client } from '../src/activities/s3';
import { MAPPINGS_BUCKET } from '../src/stack/s3';
import { WORKER_MEMORY_ENV, WORKER_NODE_FLAGS } from '../src/stack/worker-memory';
import { workerPlanEnv, workerProcesses } from '../src/stack/worker-roles';
import { shardWorkflowId } from '../src/workflows/shard/definitions';

const TASK_QUEUE = 'bench';
const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export interface ServiceRef {
  id: string;
  name: string;
  nodes: number;
  prefix: string;
  /** The API key of the customer that registered it. */
  key: string;
}

export interface ForcedRefreshFigure {
  phase: string;
  requests: number;
  statuses: Record<string, number>;
  latencyMs: Summary;
  /** The slowest requests and a few typical ones, split into the stages of their Update; sent `sentAfterMs` into the phase. */
  stages: { ms: number; nodeId: string; sentAfterMs: number; steps: HistoryStep[] }[];
  /** When each request slower than FORCED_GOAL_MS was sent, in seconds after the phase began: a burst shows as a cluster. */
  slowSentAfterSeconds: number[];
}

/** Issue 17's goal for a forced refresh's p99. */
export const FORCED_GOAL_MS = 300;

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

  /** Every worker process: RSS is reported for all of them together, whatever the roles. */
  get workerPids(): number[] {
    return this.workers.map((w) => w.pid);
  }

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
      // A registration burst that fell behind its schedule catches up at once: no 429 for that.
      COURIER_RATE_LIMIT_PER_SECOND: '1000000',
      COURIER_LOG_LEVEL: 'warn',
      API_HOST: '127.0.0.1',
      API_PORT: String(PORTS.api),
      COURIER_HTTP_CONNECTIONS: String(bench.options.concurrency),
    };
    const profileDir = join(RESULTS_DIR, 'profiles');
    if (bench.options.profile) mkdirSync(profileDir, { recursive: true });
    const profiled = bench.options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    this.api = startChild({ name: 'api', script: 'src/api/main.ts', nodeFlags: profiled, env, logDir: LOG_DIR });
    // --worker-env comes last: an experiment may override the plan's role or nice value too.
    const planned = workerProcesses(bench.options.workers, bench.options.roles).map((plan) => ({
      name: plan.name,
      own: { ...workerPlanEnv(plan), ...bench.options.workerEnv },
    }));
    for (const { name, own } of planned) {
      this.workers.push(
        startChild({
          name,
          script: bench.options.workerScript,
          nodeFlags: [...WORKER_NODE_FLAGS, ...profiled],
          // Metrics server off: several workers on one host would each want its port.
          env: { ...env, ...WORKER_MEMORY_ENV, COURIER_WORKFLOW_BUNDLE: bundlePath, COURIER_WORKER_METRICS_PORT: '0', ...own },
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
    const roles = planned
      .map(({ own }) => (Number(own.COURIER_WORKER_NICE) > 0 ? `${own.COURIER_WORKER_ROLE} at nice ${own.COURIER_WORKER_NICE}` : own.COURIER_WORKER_ROLE))
      .join(', ');
    progress(`courier: API on ${this.apiUrl}, workers (${roles})${script} polling${workerEnv ? ` (${workerEnv})` : ''}${bench.options.profile ? ', --cpu-prof on' : ''}`);
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

  /**
   * Puts the mappings in MinIO and registers `count` services of `perService` nodes, as the
   * customer whose key is given (the rig's own by default), on the bench's TTL schedule unless told.
   */
  async addServices(
    count: number,
    perService: number,
    { apiKey = this.key, ttlSeconds = this.bench.options.ttlSeconds, refreshBeforeSeconds = this.bench.options.refreshBeforeSeconds } = {},
  ): Promise<ServiceRef[]> {
    const { bench } = this;
    const s3 = createS3Client(bench.env);
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
          ttlSeconds,
          refreshBeforeSeconds,
          delivery: { endpoint: `${bench.sim.fleetUrl}/nodes/{node}/metadata`, timeoutMs: 5000 },
          signingSecret: FLEET_SECRET,
        }, apiKey);
        added.push({ id: created.id as string, name, nodes: perService, prefix, key: apiKey });
      }
    } finally {
      s3.destroy();
    }
    this.services.push(...added);
    await bench.sim.schedule(Object.fromEntries(added.map((s) => [s.name, refreshBeforeSeconds])));
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
    const phaseStart = Date.now();
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
    const slowSentAfterSeconds = samples
      .filter((x) => x.ms > FORCED_GOAL_MS)
      .map((x) => Math.round((x.sentAt - phaseStart) / 100) / 10)
      .sort((a, b) => a - b);
    return { phase, requests: samples.length, statuses, latencyMs, stages: await this.updateStages(samples, phaseStart), slowSentAfterSeconds };
  }

  /** The Update stages of the slowest requests and of a few around the median (bench/history.ts). */
  private async updateStages(samples: ForcedSample[], phaseStart: number): Promise<ForcedRefreshFigure['stages']> {
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
        if (steps) staged.push({ ms: Math.round(x.ms), nodeId: x.nodeId, sentAfterMs: x.sentAt - phaseStart, steps });
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

  /**
   * Deregisters every service registered here and waits until their workflows have purged them:
   * the parts after this one start on a stack with no services of its (fairness needs the worker's
   * slots to itself).
   */
  async removeServices(timeoutMs = 120_000): Promise<void> {
    const ids = this.services.map((s) => s.id);
    const startedAt = Date.now();
    await Promise.all(this.services.map((s) => this.call('DELETE', `/v1/services/${s.id}`, undefined, s.key)));
    const answeredAt = Date.now();
    const db = new Pool({ connectionString: this.bench.env.DATABASE_URL, max: 1 });
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await db.query<{ left: number }>('SELECT count(*)::int AS left FROM services WHERE id = ANY($1)', [ids]);
        if (rows[0]?.left === 0) {
          progress(`courier: ${ids.length} services deregistered: DELETE answered in ${((answeredAt - startedAt) / 1000).toFixed(1)} s, rows purged ${((Date.now() - answeredAt) / 1000).toFixed(1)} s later`);
          break;
        }
        if (Date.now() > deadline) throw new Error(`${rows[0]?.left} of ${ids.length} services not purged within ${timeoutMs / 1000} s of their deregistration`);
        await sleep(250);
      }
    } finally {
      await db.end();
    }
    this.services.length = 0;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop(30_000)));
    await this.api?.stop();
  }
}
