/**
 * A deployment split by COURIER_WORKER_ROLE: a `workflows` worker runs the workflows, the forced
 * refreshes (their local activities) and the quick queue; `activities` workers run the bulk
 * delivery runs. The `workflows` worker alone takes no bulk run, yet answers a forced refresh and
 * delivers a new service's first run; the bulk runs wait for an `activities` worker, and it is
 * that worker that takes them. Until one polls, the `workflows` worker's /healthz says so. The
 * `activities` worker runs at the lower CPU priority it is given, every thread of it.
 */
import { readdirSync } from 'node:fs';
import { getPriority, hostname } from 'node:os';
import { shardCountFor, shardOf } from '../../src/domain/sharding';
import { freeLoopbackPort } from '../../src/net/free-port';
import { shardWorkflowId } from '../../src/workflows/shard/definitions';
import { csvMapping, Engine } from '../support/engine';
import { eventually } from '../support/eventually';
import { ledgerOf } from '../support/ledger';
import { WorkerProcess } from '../support/worker-process';

const STARTUP_MS = 120_000;
const TEST_MS = 90_000;
const NODES = 250;
const SHARD_SIZE = 100;

describe('workers split by role', () => {
  let engine: Engine;
  let activitiesWorker: WorkerProcess | undefined;
  let healthz: string;
  beforeAll(async () => {
    const port = await freeLoopbackPort();
    healthz = `http://127.0.0.1:${port}/healthz`;
    engine = await Engine.start('worker-roles', {
      workerEnv: { COURIER_WORKER_ROLE: 'workflows', COURIER_SHARD_SIZE: String(SHARD_SIZE), COURIER_WORKER_METRICS_PORT: String(port) },
    });
  }, STARTUP_MS);
  const health = async () => {
    const res = await fetch(healthz);
    return { status: res.status, body: (await res.json()) as { problems?: string[] } };
  };
  afterAll(async () => {
    await activitiesWorker?.stop();
    await engine?.close();
  }, TEST_MS);

  test('the workflows worker serves first runs and forced refreshes; only the activities worker takes bulk runs', async () => {
    const uri = await engine.putMapping('worker-roles/nodes.csv', csvMapping('wr-', NODES));
    const id = await engine.registerService('worker-roles', uri);

    // Shard 0's first run is on the quick queue: delivered with no activities worker at all.
    const nodeIds = csvMapping('wr-', NODES).trim().split('\n').slice(1);
    const shardCount = shardCountFor(NODES, SHARD_SIZE);
    const firstShard = nodeIds.filter((nodeId) => shardOf(nodeId, shardCount) === 0);
    await eventually('the first run delivered', async () => {
      const acked = ledgerOf(engine.fleet, 'worker-roles');
      return firstShard.every((nodeId) => acked.has(nodeId)) ? true : undefined;
    });
    // Shard 1's bulk run is scheduled on the task queue, and nobody takes it.
    const bulk = engine.temporal.workflow.getHandle(shardWorkflowId(id, 1));
    const pending = await eventually('shard 1 scheduling its bulk run', async () => {
      const { raw } = await bulk.describe();
      return raw.pendingActivities?.find((a) => a.activityType?.name === 'deliverDue');
    });
    expect(pending.state).toBe(1 /* PENDING_ACTIVITY_STATE_SCHEDULED */);
    expect(ledgerOf(engine.fleet, 'worker-roles').size).toBeLessThan(NODES);

    // A forced refresh of a node the bulk runs have not reached is answered by the workflows worker.
    const waiting = nodeIds.find((nodeId) => shardOf(nodeId, shardCount) === 1);
    expect(ledgerOf(engine.fleet, 'worker-roles').has(waiting as string)).toBe(false);
    const forced = await engine.api('POST', `/v1/services/${id}/nodes/${waiting}/refresh`);
    expect(forced.status).toBe(200);
    expect(ledgerOf(engine.fleet, 'worker-roles').get(waiting as string)?.version).toBe(forced.body.version);

    const alone = await health();
    expect(alone.status).toBe(503);
    expect(alone.body.problems).toEqual([`no activities worker polls task queue '${engine.config.COURIER_TASK_QUEUE}': bulk delivery runs wait`]);

    activitiesWorker = new WorkerProcess({
      COURIER_WORKER_METRICS_PORT: '0',
      COURIER_SHARD_SIZE: String(SHARD_SIZE),
      COURIER_TASK_QUEUE: engine.config.COURIER_TASK_QUEUE,
      COURIER_WORKER_ROLE: 'activities',
      COURIER_WORKER_NICE: '7',
      COURIER_LOG_LEVEL: 'warn',
    });
    await activitiesWorker.start();
    // Linux keeps a nice value per thread: Temporal's runtime threads, started after, must have it too.
    const priorities = readdirSync(`/proc/${activitiesWorker.pid}/task`).flatMap((tid) => priorityOf(Number(tid)));
    expect(priorities.length).toBeGreaterThan(4);
    expect(new Set(priorities)).toEqual(new Set([7]));
    await eventually('every node delivered', async () => (ledgerOf(engine.fleet, 'worker-roles').size === NODES ? true : undefined));
    await eventually('the workflows worker healthy', async () => ((await health()).status === 200 ? true : undefined));

    const { events } = await bulk.fetchHistory();
    const started = (events ?? []).flatMap((event) => event.activityTaskStartedEventAttributes?.identity ?? []);
    expect(started.length).toBeGreaterThan(0);
    expect(new Set(started)).toEqual(new Set([`${activitiesWorker.pid}@${hostname()}`]));
  }, TEST_MS);
});

/** A thread's nice value, or none when it ended after the listing (the runtime's idle threads do). */
function priorityOf(tid: number): number[] {
  try {
    return [getPriority(tid)];
  } catch (err) {
    if ((err as { info?: { code?: string } }).info?.code === 'ESRCH') return [];
    throw err;
  }
}
