/**
 * The seed's fleet in small: many small services, registered through the API as customers would.
 * What a service costs while nothing is due decides whether 100,000 of them fit, so this measures
 *
 * - burst registration: `--small-services` services of `--small-nodes` nodes registered at
 *   `--register-rate` per second; each service's time from its 201 to its last node's ack, the
 *   CPU each process spent per registration and the workflow tasks a new service took, so the
 *   registration rate this machine sustains is arithmetic, and the worker's peak RSS;
 * - idle: with every copy fresh for the hour (TTL 3600 s), CPU per process over a window, in
 *   millicores per service, Temporal actions in that window (from the histories), worker RSS;
 * - cycles: a few services on a short TTL, actions per refresh cycle, healthy and with 1% dead
 *   nodes (an endpoint that refuses), so the cost of a 1 h TTL is arithmetic on measured units.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { cpus } from 'node:os';
import { Pool } from 'pg';
import { createS3Client } from '../src/activities/s3';
import { MAPPINGS_BUCKET } from '../src/stack/s3';
import { countActions, eventsBetween, totalOf, type HistoryEvent } from './actions';
import type { CpuDelta } from './cpu';
import { CpuWindow, FLEET_SECRET, progress, sleep, type Bench } from './context';
import { CourierRig } from './courier-rig';
import { RssPeak, rssMb } from './rss';
import { summarize, type Summary } from './stats';

const IDLE_TTL_SECONDS = 3600;
const IDLE_WINDOW_MS = 60_000;
const CYCLE_TTL_SECONDS = 60;
const CYCLE_REFRESH_BEFORE_SECONDS = 20;
const CYCLE_SERVICES = 50;
const CYCLE_WINDOW_MS = 120_000;
/** A closed port on loopback: a node behind it refuses every delivery at once. */
const DEAD_ENDPOINT = 'http://127.0.0.1:9/nodes/{node}/metadata';

export interface ServicesFigure {
  services: number;
  nodesPerService: number;
  registerRate: number;
  registeredToAckedMs: Summary;
  burst: BurstCost;
  idle: { windowSeconds: number; cpuSeconds: Record<string, number>; millicoresPerService: Record<string, number>; actions: Record<string, number>; actionsPerServiceHour: number };
  workerRssMb: number;
  cycles: { healthy: CycleCost; deadOnePercent: CycleCost };
  actionsPerSmallServiceHourAt1hTtl: number;
  summary: string;
}

interface BurstCost {
  seconds: number;
  cpuSecondsPerRegistration: Record<string, number>;
  /** Workflow tasks (completed or failed) of a new service's workflows, service and shards, up to all acked. */
  workflowTasksPerService: number;
  /** Registrations per second the machine's cores would carry at that CPU per registration. */
  sustainablePerSecond: number;
  workerRssPeakMb: number;
}

interface CycleCost {
  services: number;
  nodesPerService: number;
  windowSeconds: number;
  actions: Record<string, number>;
  actionsPerServiceHour: number;
  /** Refresh cycles of one service per hour at this TTL. */
  cyclesPerHour: number;
  actionsPerCycle: number;
  /** Deliveries acked in the window, and the CPU each process spent per 1,000 of them. */
  acked: number;
  cpuSecondsPer1000Acked: Record<string, number>;
}

interface Registered {
  id: string;
  name: string;
  registeredAt: number;
}

export async function runServices(bench: Bench): Promise<ServicesFigure> {
  const o = bench.options;
  const rig = new CourierRig(bench);
  await rig.start();
  const pool = new Pool({ connectionString: bench.env.DATABASE_URL, max: 4 });
  const connection = await Connection.connect({ address: bench.env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection });
  try {
    progress(`services: registering ${o.smallServices} services of ${o.smallNodes} nodes at ${o.registerRate}/s`);
    const burstCpu = new CpuWindow(rig.cpuScope());
    const burstFrom = Date.now();
    const rssPeak = new RssPeak(rig.workerPids);
    const burst = await register(rig, bench, { prefix: 'small', count: o.smallServices, nodes: o.smallNodes, rate: o.registerRate, ttlSeconds: IDLE_TTL_SECONDS, refreshBeforeSeconds: IDLE_TTL_SECONDS / 3, deadEvery: 0 });
    const latencies = await waitAllAcked(pool, burst, 600_000);
    const burstCost = await burstCostOf(temporal, burst, burstCpu.end(), burstFrom, rssPeak.stop());
    const registeredToAckedMs = summarize(latencies);
    progress(`services: registration -> all acked p50 ${registeredToAckedMs.p50 ?? '-'} ms, p99 ${registeredToAckedMs.p99 ?? '-'} ms`);
    progress(`services: burst: ${JSON.stringify(burstCost.cpuSecondsPerRegistration)} CPU-s per registration, ${burstCost.workflowTasksPerService.toFixed(1)} workflow tasks per new service, ${burstCost.sustainablePerSecond.toFixed(1)} registrations/s sustainable on ${cpus().length} cores, workers' RSS peak ${burstCost.workerRssPeakMb} MB`);

    await sleep(15_000);
    progress(`services: idle for ${IDLE_WINDOW_MS / 1000} s with every copy fresh`);
    const cpu = new CpuWindow(rig.cpuScope());
    const idleFrom = Date.now();
    await sleep(IDLE_WINDOW_MS);
    const idleTo = Date.now();
    const idleCpu = cpu.end();
    const idleActions = await actionsIn(temporal, burst, idleFrom, idleTo);
    const workerRssMb = rssMb(rig.workerPids);
    const perService = (seconds: number) => Math.round(((seconds / (IDLE_WINDOW_MS / 1000)) * 1_000_000) / burst.length) / 1000;
    const idle = {
      windowSeconds: IDLE_WINDOW_MS / 1000,
      cpuSeconds: idleCpu.system,
      millicoresPerService: Object.fromEntries(Object.entries(idleCpu.system).map(([k, v]) => [k, perService(v)])),
      actions: idleActions,
      actionsPerServiceHour: (totalOf(idleActions) / burst.length) * (3_600_000 / IDLE_WINDOW_MS),
    };
    progress(`services: idle ${JSON.stringify(idle.millicoresPerService)} millicores per service, ${totalOf(idleActions)} actions, workers' RSS ${workerRssMb} MB`);

    const healthy = await cycleCost(rig, bench, pool, temporal, 'cycle', 0);
    progress(`services: healthy cycles: ${healthy.actionsPerCycle.toFixed(2)} actions per cycle, ${JSON.stringify(healthy.cpuSecondsPer1000Acked)} CPU-s per 1,000 acked`);
    const deadOnePercent = await cycleCost(rig, bench, pool, temporal, 'dead', 100);
    progress(`services: 1% dead: ${deadOnePercent.actionsPerServiceHour.toFixed(1)} actions per service-hour (healthy ${healthy.actionsPerServiceHour.toFixed(1)})`);
    const hourCycles = 3600 / (IDLE_TTL_SECONDS - IDLE_TTL_SECONDS / 3);
    const actionsPerSmallServiceHourAt1hTtl = Math.round((idle.actionsPerServiceHour + hourCycles * healthy.actionsPerCycle) * 10) / 10;
    const summary =
      `${burst.length} services of ${o.smallNodes} nodes: registered -> acked p50 ${seconds(registeredToAckedMs.p50)} s, p99 ${seconds(registeredToAckedMs.p99)} s ` +
      `(${burstCost.sustainablePerSecond.toFixed(1)} registrations/s sustainable here, ${burstCost.workflowTasksPerService.toFixed(1)} workflow tasks each); ` +
      `idle ${Object.values(idle.millicoresPerService).reduce((s, v) => s + v, 0).toFixed(3)} millicores per service, ` +
      `${idle.actionsPerServiceHour.toFixed(2)} actions per idle service-hour; ${healthy.actionsPerCycle.toFixed(1)} actions per cycle ` +
      `(${deadOnePercent.actionsPerServiceHour.toFixed(0)} vs ${healthy.actionsPerServiceHour.toFixed(0)} per service-hour at a ${CYCLE_TTL_SECONDS} s TTL with 1% dead nodes / healthy); ` +
      `${actionsPerSmallServiceHourAt1hTtl} actions per small service-hour at a 1 h TTL; workers' RSS ${workerRssMb} MB`;
    progress(`services: ${summary}`);
    return {
      services: burst.length,
      nodesPerService: o.smallNodes,
      registerRate: o.registerRate,
      registeredToAckedMs,
      burst: burstCost,
      idle,
      workerRssMb,
      cycles: { healthy, deadOnePercent },
      actionsPerSmallServiceHourAt1hTtl,
      summary,
    };
  } finally {
    await connection.close();
    await pool.end();
    await rig.stop();
  }
}

/** Registers services at `rate` per second, the mapping of each uploaded first; `deadEvery` > 0 gives every such node a refusing endpoint. */
async function register(
  rig: CourierRig,
  bench: Bench,
  r: { prefix: string; count: number; nodes: number; rate: number; ttlSeconds: number; refreshBeforeSeconds: number; deadEvery: number },
): Promise<Registered[]> {
  const s3 = createS3Client(bench.env);
  const registered: Registered[] = [];
  const inFlight = new Set<Promise<void>>();
  const began = Date.now();
  try {
    for (let i = 0; i < r.count; i++) {
      const wait = began + (i * 1000) / r.rate - Date.now();
      if (wait > 0) await sleep(wait);
      while (inFlight.size >= 64) await Promise.race(inFlight);
      const name = `${r.prefix}-${i}`;
      const rows = Array.from({ length: r.nodes }, (_, n) => `${name}-n${n},${r.deadEvery > 0 && n % r.deadEvery === 0 ? DEAD_ENDPOINT : ''}`);
      const job = (async () => {
        const key = `bench/${name}.csv`;
        await s3.send(new PutObjectCommand({ Bucket: MAPPINGS_BUCKET, Key: key, Body: `node,endpoint\n${rows.join('\n')}\n` }));
        const created = await rig.call('POST', '/v1/services', {
          name,
          mapping: { uri: `s3://${MAPPINGS_BUCKET}/${key}`, format: 'csv' },
          metadata: { url: `${bench.sim.sourceUrl}/v1/metadata?service={service}` },
          ttlSeconds: r.ttlSeconds,
          refreshBeforeSeconds: r.refreshBeforeSeconds,
          delivery: { endpoint: `${bench.sim.fleetUrl}/nodes/{node}/metadata`, timeoutMs: 5000 },
          signingSecret: FLEET_SECRET,
        });
        registered.push({ id: created.id as string, name, registeredAt: Date.now() });
      })();
      inFlight.add(job);
      void job.finally(() => inFlight.delete(job));
    }
    await Promise.all(inFlight);
  } finally {
    s3.destroy();
  }
  return registered;
}

/** Each service's time from its registration to its last live node's first ack, once all have one. */
async function waitAllAcked(pool: Pool, services: readonly Registered[], timeoutMs: number): Promise<number[]> {
  const ids = services.map((s) => s.id);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ waiting: number }>(
      `SELECT count(*)::int AS waiting FROM unnest($1::uuid[]) AS s(id)
        WHERE NOT EXISTS (SELECT 1 FROM services WHERE id = s.id AND mapping_loaded_at IS NOT NULL)
           OR EXISTS (SELECT 1 FROM nodes n WHERE n.service_id = s.id AND n.delivered_at IS NULL AND n.endpoint IS DISTINCT FROM $2)`,
      [ids, DEAD_ENDPOINT],
    );
    if (rows[0]!.waiting === 0) break;
    if (Date.now() > deadline) throw new Error(`${rows[0]!.waiting} services not fully acked within ${timeoutMs / 1000} s`);
    progress(`services: ${services.length - rows[0]!.waiting} / ${services.length} fully acked`);
    await sleep(2_000);
  }
  const { rows } = await pool.query<{ id: string; last: Date }>(
    `SELECT service_id AS id, max(delivered_at) AS last FROM nodes
      WHERE service_id = ANY($1::uuid[]) AND endpoint IS DISTINCT FROM $2 GROUP BY service_id`,
    [ids, DEAD_ENDPOINT],
  );
  const registeredAt = new Map(services.map((s) => [s.id, s.registeredAt]));
  return rows.map((r) => r.last.getTime() - registeredAt.get(r.id)!);
}

/** What the burst cost: CPU per registration by process, workflow tasks per new service, what that sustains. */
async function burstCostOf(temporal: Client, services: readonly Registered[], cpu: CpuDelta, fromMs: number, workerRssPeakMb: number): Promise<BurstCost> {
  const perRegistration = Object.fromEntries(Object.entries(cpu.system).map(([k, v]) => [k, Math.round((v * 1000) / services.length) / 1000]));
  const total = Object.values(cpu.system).reduce((sum, v) => sum + v, 0) / services.length;
  const tasks = await eventsIn(temporal, services, fromMs, Date.now(), (e) => Boolean(e.workflowTaskCompletedEventAttributes ?? e.workflowTaskFailedEventAttributes));
  return {
    seconds: (Date.now() - fromMs) / 1000,
    cpuSecondsPerRegistration: perRegistration,
    workflowTasksPerService: tasks / services.length,
    sustainablePerSecond: total > 0 ? cpus().length / total : 0,
    workerRssPeakMb,
  };
}

/** Visits every history of these services' workflows (service, shard), every run: continue-as-new starts a new one. */
async function eachHistory(temporal: Client, services: readonly Registered[], visit: (events: HistoryEvent[]) => void): Promise<void> {
  const ids = services.flatMap((s) => [`service:${s.id}`, `service:${s.id}:shard:0`]);
  for (let i = 0; i < ids.length; i += 32) {
    await Promise.all(
      ids.slice(i, i + 32).map(async (id) => {
        for await (const run of temporal.workflow.list({ query: `WorkflowId = '${id}'` })) {
          visit((await temporal.workflow.getHandle(id, run.runId).fetchHistory()).events ?? []);
        }
      }),
    );
  }
}

/** Actions in [from, to) of every workflow of these services. */
async function actionsIn(temporal: Client, services: readonly Registered[], fromMs: number, toMs: number): Promise<Record<string, number>> {
  const byKind: Record<string, number> = {};
  await eachHistory(temporal, services, (events) => countActions(events, fromMs, toMs, byKind));
  return byKind;
}

/** Events in [from, to) of every workflow of these services that `matches`. */
async function eventsIn(temporal: Client, services: readonly Registered[], fromMs: number, toMs: number, matches: (e: HistoryEvent) => boolean): Promise<number> {
  let count = 0;
  await eachHistory(temporal, services, (events) => {
    count += eventsBetween(events, fromMs, toMs).filter(matches).length;
  });
  return count;
}

/** Services on a short TTL, refreshing every 40 s: the actions a refresh cycle costs, measured over a window. */
async function cycleCost(rig: CourierRig, bench: Bench, pool: Pool, temporal: Client, prefix: string, deadEvery: number): Promise<CycleCost> {
  const nodes = deadEvery > 0 ? deadEvery : bench.options.smallNodes;
  progress(`services: ${CYCLE_SERVICES} services of ${nodes} nodes on a ${CYCLE_TTL_SECONDS} s TTL${deadEvery ? ', one node each dead' : ''}`);
  const services = await register(rig, bench, { prefix, count: CYCLE_SERVICES, nodes, rate: 20, ttlSeconds: CYCLE_TTL_SECONDS, refreshBeforeSeconds: CYCLE_REFRESH_BEFORE_SECONDS, deadEvery });
  await waitAllAcked(pool, services, 300_000);
  // Past the first delivery and the first retries of the dead nodes, into the steady state.
  await sleep(60_000);
  const from = Date.now();
  const ackedBefore = await bench.sim.acked();
  const cpu = new CpuWindow(rig.cpuScope());
  await sleep(CYCLE_WINDOW_MS);
  const spent = cpu.end();
  const acked = (await bench.sim.acked()) - ackedBefore;
  const actions = await actionsIn(temporal, services, from, Date.now());
  const cyclesPerHour = 3600 / (CYCLE_TTL_SECONDS - CYCLE_REFRESH_BEFORE_SECONDS);
  const actionsPerServiceHour = (totalOf(actions) / services.length) * (3_600_000 / CYCLE_WINDOW_MS);
  return {
    services: services.length,
    nodesPerService: nodes,
    windowSeconds: CYCLE_WINDOW_MS / 1000,
    actions,
    actionsPerServiceHour,
    cyclesPerHour,
    actionsPerCycle: actionsPerServiceHour / cyclesPerHour,
    acked,
    cpuSecondsPer1000Acked: Object.fromEntries(Object.entries(spent.system).map(([k, v]) => [k, acked > 0 ? Math.round((v * 1_000_000) / acked) / 1000 : 0])),
  };
}

const seconds = (ms: number | null) => (ms === null ? '-' : (ms / 1000).toFixed(1));
