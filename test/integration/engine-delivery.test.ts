/**
 * The product promise on the real stack: every node of every service acked each cycle before its
 * copy expires. Three services of 1, 50 and 2,500 nodes, TTL 20 s, over at least three refreshes.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { DeliverDueInput, DeliverDueResult, LoadMappingInput } from '../../src/activities/types';
import { FIRST_RUN_NODES, quickTaskQueue } from '../../src/domain/task-queues';
import { serviceWorkflowId } from '../../src/workflows/service/definitions';
import { shardWorkflowId } from '../../src/workflows/shard/definitions';
import { csvMapping, Engine } from '../support/engine';
import { eventually } from '../support/eventually';
import { expiredSeconds, ledgerOf } from '../support/ledger';

const SIZES = { one: 1, fifty: 50, big: 2500 } as const;
const REFRESHES = 3;

describe('delivery engine', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.start('delivery');
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('keeps every node of three services fresh over three refresh cycles', async () => {
    const names = Object.keys(SIZES) as (keyof typeof SIZES)[];
    const ids: Record<string, string> = {};
    for (const name of names) {
      const uri = await engine.putMapping(`delivery/${name}.csv`, csvMapping(`${name}-`, SIZES[name]));
      ids[name] = await engine.registerService(`svc-${name}`, uri);
    }

    // First delivery, then REFRESHES more: every node's delivery count reaches REFRESHES + 1.
    let firstAllDeliveredAt = 0;
    let deliveriesAtFirst = 0;
    for (const name of names) {
      await eventually(
        `${name}: every node delivered ${REFRESHES + 1} times`,
        async () => {
          const ledger = ledgerOf(engine.fleet, `svc-${name}`);
          if (ledger.size < SIZES[name]) return undefined;
          const least = Math.min(...[...ledger.values()].map((n) => n.deliveries));
          if (name === 'big' && least >= 1 && firstAllDeliveredAt === 0) {
            firstAllDeliveredAt = Date.now();
            deliveriesAtFirst = [...ledger.values()].reduce((s, n) => s + n.deliveries, 0);
          }
          return least >= REFRESHES + 1 ? ledger : undefined;
        },
        150_000,
        500,
      );
    }

    for (const name of names) {
      const ledger = ledgerOf(engine.fleet, `svc-${name}`);
      expect(ledger.size).toBe(SIZES[name]);
      expect(expiredSeconds(ledger.values())).toBe(0);
      const status = await engine.api('GET', `/v1/services/${ids[name]}`);
      expect(status.status).toBe(200);
      expect(status.body.nodes.total).toBe(SIZES[name]);
      expect(status.body.nodes.expired).toBe(0);
      expect(status.body.mapping.nodeCount).toBe(SIZES[name]);
    }

    const big = ledgerOf(engine.fleet, 'svc-big');
    const total = [...big.values()].reduce((s, n) => s + n.deliveries, 0);
    const seconds = (Date.now() - firstAllDeliveredAt) / 1000;
    console.log(
      `[measure] 2,500-node service: ${total - deliveriesAtFirst} refresh deliveries in ${seconds.toFixed(1)} s ` +
        `(TTL 20 s, refreshBefore 8 s); node-seconds expired: ${expiredSeconds(big.values())}`,
    );
  });

  it("starts a new shard with one bounded run on the quick queue and delivers the rest on the service's queue", async () => {
    const nodes = FIRST_RUN_NODES * 2 + 50;
    const uri = await engine.putMapping('delivery/first-run.csv', csvMapping('first-', nodes));
    const id = await engine.registerService('svc-first-run', uri);
    await eventually('every node of svc-first-run delivered', async () => (ledgerOf(engine.fleet, 'svc-first-run').size >= nodes ? true : undefined), 60_000, 250);

    const quick = quickTaskQueue(engine.config.COURIER_TASK_QUEUE);
    const service = await scheduledActivities(engine, serviceWorkflowId(id));
    // A small first mapping loads inside the service workflow's first task (a local activity), not
    // as an activity. A later check is one: the bucket event of the PUT above may reach the API
    // while the first load is still applying, and the check it sends knows the ETag loaded.
    const firstLoads = service.filter((a) => a.type === 'loadMapping' && (a.input as LoadMappingInput).knownEtag === null);
    expect(firstLoads).toEqual([]);

    const runs = (await scheduledActivities(engine, shardWorkflowId(id, 0))).filter((a) => a.type === 'deliverDue');
    const [first, ...rest] = runs;
    expect(first?.taskQueue).toBe(quick);
    expect((first?.input as DeliverDueInput).maxNodes).toBe(FIRST_RUN_NODES);
    expect((first?.result as DeliverDueResult).delivered).toBe(FIRST_RUN_NODES);
    expect(rest.length).toBeGreaterThan(0);
    for (const run of rest) {
      expect(run.taskQueue).toBe(engine.config.COURIER_TASK_QUEUE);
      expect((run.input as DeliverDueInput).maxNodes).toBeUndefined();
    }
    // The next run, on the service's queue at once, delivers the rest of the first delivery.
    expect((rest[0]?.result as DeliverDueResult).delivered).toBe(nodes - FIRST_RUN_NODES);
  });
});

interface ScheduledActivity {
  type: string;
  taskQueue: string;
  input: unknown;
  /** The activity's result, once completed. */
  result?: unknown;
}

/** The activities a workflow scheduled, in order, with where they were queued and what they returned. */
async function scheduledActivities(engine: Engine, workflowId: string): Promise<ScheduledActivity[]> {
  const events = (await engine.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const decode = (payloads: temporal.api.common.v1.IPayloads | null | undefined) =>
    payloads?.payloads?.[0] ? defaultPayloadConverter.fromPayload(payloads.payloads[0]) : undefined;
  const bySchedule = new Map<string, ScheduledActivity>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      bySchedule.set(String(e.eventId), {
        type: scheduled.activityType?.name ?? '',
        taskQueue: scheduled.taskQueue?.name ?? '',
        input: decode(scheduled.input),
      });
    }
    const completed = e.activityTaskCompletedEventAttributes;
    const activity = completed && bySchedule.get(String(completed.scheduledEventId));
    if (activity) activity.result = decode(completed?.result);
  }
  return [...bySchedule.values()];
}
