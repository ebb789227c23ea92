/**
 * Fairness between customers (seed 002): one customer's big service fills the worker's activity
 * slots, then other customers register one-node services, one after another, each measured from
 * registration to its node's first ack. Without fairness a small service's mapping load and its
 * single delivery wait behind every queued task of the big one; with a fairness key per customer
 * (src/workflows/activities.ts) Temporal dispatches them next, and on the quick task queue
 * (src/domain/task-queues.ts) they do not wait for a bulk run to free a slot.
 *
 * Each sample's stages come from its workflows' histories (bench/history.ts), so a slow sample
 * says where it waited. To compare, run it on a copy of src/ whose delivery activities carry no
 * priority: `npm run bench -- --only fairness --worker-script .scratch/nofair/src/worker.ts`.
 */
import { Client, Connection } from '@temporalio/client';
import { progress, sleep, type Bench } from './context';
import { CourierRig, type ServiceRef } from './courier-rig';
import { formatSteps, historySteps, type HistoryStep } from './history';
import { summarize, type Summary } from './stats';
import { shardCountFor } from '../src/domain/sharding';
import { serviceWorkflowId } from '../src/workflows/service/definitions';
import { shardWorkflowId } from '../src/workflows/shard/definitions';

/** Few slots, so the big service's tasks queue up on the server, where dispatch order matters. */
const ACTIVITY_SLOTS = '2';
const BIG_NODES = 60_000;
/** Small services measured, one after another, each of a customer of its own. */
const SAMPLES = 8;
/** COURIER_SHARD_SIZE's default: with the worker's environment, it gives the big service's shard count. */
const DEFAULT_SHARD_SIZE = 1_000;
const BACKLOG_TIMEOUT_MS = 120_000;
/** A sample starts only while at least this many big-service deliveries are still due. */
const MIN_BACKLOG = 15_000;

interface FairnessSample {
  firstAckMs: number;
  bigAckedMeanwhile: number;
  /** The small service's workflow and its shard, event by event, from its registration. */
  service: HistoryStep[];
  shard: HistoryStep[];
}

export interface FairnessFigure {
  bigNodes: number;
  activitySlots: number;
  firstAckMs: Summary;
  samples: FairnessSample[];
  summary: string;
}

export async function runFairness(bench: Bench): Promise<FairnessFigure> {
  const workerEnv: Record<string, string> = { COURIER_MAX_CONCURRENT_ACTIVITIES: ACTIVITY_SLOTS, ...bench.options.workerEnv };
  const rig = new CourierRig({ ...bench, options: { ...bench.options, workerEnv } });
  const connection = await Connection.connect({ address: bench.env.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection });
  await rig.start();
  try {
    await bench.sim.reset();
    progress(`fairness: a service of ${BIG_NODES.toLocaleString('en')} nodes fills ${ACTIVITY_SLOTS} activity slots`);
    const [big] = await rig.addServices(1, BIG_NODES);
    if (!big) throw new Error('the big service was not registered');
    await waitForBacklog(temporal, big, shardCountFor(BIG_NODES, Number(workerEnv.COURIER_SHARD_SIZE ?? DEFAULT_SHARD_SIZE)));
    // The ack count the current backlog started from: the fleet counts every ack since its reset.
    let backlogFrom = 0;
    const samples: FairnessSample[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      if ((await bench.sim.acked()) - backlogFrom > BIG_NODES - MIN_BACKLOG) backlogFrom = await refillBacklog(rig, big);
      const sample = await measureOne(rig, temporal, i);
      samples.push(sample);
      progress(
        `fairness: sample ${i + 1}/${SAMPLES}: first ack after ${(sample.firstAckMs / 1000).toFixed(2)} s (${sample.bigAckedMeanwhile.toLocaleString('en')} big-service acks meanwhile); ` +
          `service: ${formatSteps(sample.service)}; shard: ${formatSteps(sample.shard)}`,
      );
    }
    const firstAckMs = summarize(samples.map((s) => s.firstAckMs));
    const summary =
      `one-node services registered behind a ${BIG_NODES.toLocaleString('en')}-node backlog (${SAMPLES} samples): first ack ` +
      `p50 ${fmtS(firstAckMs.p50)}, p99 ${fmtS(firstAckMs.p99)} (min ${fmtS(firstAckMs.min)}), ` +
      `${Math.round(samples.reduce((s, x) => s + x.bigAckedMeanwhile, 0) / samples.length).toLocaleString('en')} big-service acks meanwhile on average` +
      ` (worker ${bench.options.workerScript}, ${ACTIVITY_SLOTS} activity slots)`;
    progress(`fairness: ${summary}`);
    return { bigNodes: BIG_NODES, activitySlots: Number(ACTIVITY_SLOTS), firstAckMs, samples, summary };
  } finally {
    await rig.stop();
    await connection.close();
  }
}

/**
 * Until every shard of the big service has its bulk work queued: from then on it is a backlog.
 * Before, its shards are still starting (64 new workflows and their first runs), and a sample
 * taken then measures a registration beside another registration, not behind a backlog.
 */
async function waitForBacklog(temporal: Client, big: ServiceRef, shardCount: number): Promise<void> {
  const waiting = new Set(Array.from({ length: shardCount }, (_, shard) => shard));
  const startedAt = Date.now();
  while (waiting.size > 0) {
    for (const shard of [...waiting]) {
      const { raw } = await temporal.workflow.getHandle(shardWorkflowId(big.id, shard)).describe().catch(() => ({ raw: null }));
      if ((raw?.pendingActivities?.length ?? 0) > 0) waiting.delete(shard);
    }
    if (waiting.size === 0) break;
    if (Date.now() - startedAt > BACKLOG_TIMEOUT_MS) {
      throw new Error(`the big service's shards did not all queue their deliveries within ${BACKLOG_TIMEOUT_MS / 1000} s (${waiting.size} of ${shardCount} not yet)`);
    }
    await sleep(250);
  }
  progress(`fairness: the big service is a backlog: all ${shardCount} shards have deliveries queued, ${((Date.now() - startedAt) / 1000).toFixed(1)} s after its registration`);
}

/** Every big-service node due again: the backlog is full for the next samples. Returns the ack count it started from. */
async function refillBacklog(rig: CourierRig, big: ServiceRef): Promise<number> {
  progress('fairness: the backlog runs low; every node of the big service due again');
  const before = await rig.bench.sim.acked();
  await rig.call('POST', `/v1/services/${big.id}/refresh`);
  while ((await rig.bench.sim.acked()) - before < 1_000) await sleep(100);
  return before;
}

async function measureOne(rig: CourierRig, temporal: Client, i: number): Promise<FairnessSample> {
  const { sim } = rig.bench;
  const ackedBefore = await sim.acked();
  const key = await rig.addCustomer(`small-${i}`);
  const registeredAt = Date.now();
  const [small] = await rig.addServices(1, 1, { apiKey: key });
  if (!small) throw new Error('the small service was not registered');
  for (;;) {
    const status = await rig.call('GET', `/v1/services/${small.id}`, undefined, key);
    if ((status.nodes as { fresh: number }).fresh >= 1) break;
    if (Date.now() - registeredAt > 300_000) throw new Error('the small service got no ack within 5 minutes');
    await sleep(50);
  }
  const firstAckMs = Date.now() - registeredAt;
  const bigAckedMeanwhile = (await sim.acked()) - ackedBefore - 1;
  const upToAck = (steps: HistoryStep[]) => steps.filter((s) => s.atMs <= firstAckMs);
  return {
    firstAckMs,
    bigAckedMeanwhile,
    service: upToAck(await historySteps(temporal, serviceWorkflowId(small.id), registeredAt)),
    shard: upToAck(await historySteps(temporal, shardWorkflowId(small.id, 0), registeredAt)),
  };
}

const fmtS = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);
