/**
 * The shard workflow on its own: the delivery loop (due time → one batched activity → the next
 * due time), wake-ups and stops, the engine-error retry, the forced refresh of one node through
 * the `refreshNode` Update and its validator, and what continue-as-new carries.
 */
import { WorkflowUpdateFailedError, WorkflowUpdateStage, type Client } from '@temporalio/client';
import { ApplicationFailure, type Duration } from '@temporalio/common';
import {
  forcedRefreshUpdate,
  SHARD_WORKFLOW_TYPE,
  shardStatusQuery,
  shardWorkflowOptions,
  stopSignal,
  wakeSignal,
  type ShardWorkflowInput,
} from '../../src/workflows/shard/definitions';
import { FIRST_RUN_NODES } from '../../src/domain/task-queues';
import { idleShard } from '../support/fake-activities';
import { handled, historyOf, runsOf, signalHandled, soon, timersOf, withWorker, workflowTestContext } from '../support/workflow-env';

const ctx = workflowTestContext();

const SERVICE = { serviceId: 'svc-shard', customerId: 'cust-1' };
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

function startShard(client: Client, taskQueue: string, input: Partial<ShardWorkflowInput> & { shard: number }, extra: { workflowTaskTimeout?: Duration } = {}) {
  return client.workflow.start(SHARD_WORKFLOW_TYPE, { ...shardWorkflowOptions({ ...SERVICE, ...input }), ...extra, taskQueue });
}

/** Answers the shard's delivery runs in turn; the last answer repeats. */
function deliveriesAnswer(...nextDueAts: (string | null)[]) {
  let n = 0;
  ctx.fakes.answer.deliverDue = async () => idleShard(nextDueAts[Math.min(n++, nextDueAts.length - 1)]!);
}

describe('shardWorkflow', () => {
  it('delivers at once, then again when woken or when the due time the delivery returned comes', async () => {
    await withWorker(ctx, async (taskQueue) => {
      deliveriesAnswer(null, inSeconds(0.3), null);
      const handle = await startShard(ctx.env.client, taskQueue, { shard: 3 });
      await soon('the first delivery run', () => (ctx.fakes.callsOf('deliverDue').length === 1 ? true : undefined));
      // Only a service's first shard begins with a bounded run on the quick queue: this one's runs are whole.
      expect(ctx.fakes.callsOf('deliverDue')[0]).toEqual({ serviceId: SERVICE.serviceId, shard: 3 });
      const idle = await soon('the status after the run', async () => {
        const s = await handle.query(shardStatusQuery);
        return s.counts ? s : undefined;
      });
      expect(idle).toMatchObject({ nextDueAt: null, engineError: null });

      // Nothing is due, so only a wake-up runs it again; that run says something is due shortly.
      await handle.signal(wakeSignal);
      await soon('the run the wake-up asked for, then the one its due time asked for', () => (ctx.fakes.callsOf('deliverDue').length === 3 ? true : undefined));

      await handle.signal(stopSignal);
      await handle.result();
      expect(ctx.fakes.callsOf('deliverDue')).toHaveLength(3);
      expect(ctx.fakes.callsOf('deliverDue')[1]).toEqual({ serviceId: SERVICE.serviceId, shard: 3 });
    });
  });

  it("begins a service's first shard with one bounded run, and runs it whole after that", async () => {
    await withWorker(ctx, async (taskQueue) => {
      deliveriesAnswer(inSeconds(0), null);
      const handle = await startShard(ctx.env.client, taskQueue, { shard: 0 });
      await soon('the bounded run and the whole one after it', () => (ctx.fakes.callsOf('deliverDue').length === 2 ? true : undefined));
      expect(ctx.fakes.callsOf('deliverDue')).toEqual([
        { serviceId: SERVICE.serviceId, shard: 0, maxNodes: FIRST_RUN_NODES },
        { serviceId: SERVICE.serviceId, shard: 0 },
      ]);
      await handle.signal(stopSignal);
      await handle.result();
    });
  });

  it('records an engine error when the delivery activity fails, tries again later, and clears it after a good run', async () => {
    await withWorker(ctx, async (taskQueue) => {
      ctx.fakes.answer.deliverDue = async () => {
        throw ApplicationFailure.nonRetryable('database is down');
      };
      const handle = await startShard(ctx.env.client, taskQueue, { shard: 0 });
      const failed = await soon('the status of the failed run', async () => {
        const s = await handle.query(shardStatusQuery);
        return s.engineError ? s : undefined;
      });
      // It sleeps to its own retry time (15 s on) rather than spinning.
      expect(Date.parse(failed.nextDueAt!) - Date.parse(failed.lastRunAt!)).toBeGreaterThanOrEqual(15_000);
      const timers = await soon('the retry timer', async () => ((await timersOf(handle)).length > 0 ? timersOf(handle) : undefined));
      expect(timers[0]).toBeGreaterThan(10_000);

      ctx.fakes.answer.deliverDue = async () => idleShard(null);
      await handle.signal(wakeSignal);
      const recovered = await soon('the status after a good run', async () => {
        const s = await handle.query(shardStatusQuery);
        return s.engineError === null ? s : undefined;
      });
      expect(recovered.nextDueAt).toBeNull();
      await handle.signal(stopSignal);
      await handle.result();
    });
  });

  it('finishes on its own once the delivery run says the service is gone', async () => {
    await withWorker(ctx, async (taskQueue) => {
      ctx.fakes.answer.deliverDue = async () => ({ ...idleShard(null), serviceGone: true });
      const handle = await startShard(ctx.env.client, taskQueue, { shard: 1 });
      await handle.result();
      expect(ctx.fakes.callsOf('deliverDue')).toHaveLength(1);
    });
  });

  it('delivers to one node through the refreshNode Update and answers with the outcome; the validator refuses a bad node id', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const handle = await startShard(ctx.env.client, taskQueue, { shard: 2 });
      const outcome = await handle.executeUpdate(forcedRefreshUpdate, { args: [{ nodeId: 'node-7', endpoint: 'https://node-7.example/metadata' }] });
      expect(outcome).toMatchObject({ nodeId: 'node-7', acked: true, version: 'v1', error: null });
      expect(ctx.fakes.callsOf('deliverNode')).toEqual([{ serviceId: SERVICE.serviceId, nodeId: 'node-7', endpoint: 'https://node-7.example/metadata' }]);

      const refused = await handle.executeUpdate(forcedRefreshUpdate, { args: [{ nodeId: 'no spaces allowed' }] }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(/node id 'no spaces allowed' is not 1-253 characters/);
      expect(ctx.fakes.callsOf('deliverNode')).toHaveLength(1);
      // A refused Update leaves no trace in the history.
      const accepted = (await historyOf(handle)).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      expect(accepted).toHaveLength(1);

      await handle.signal(stopSignal);
      await handle.result();
    });
  });

  it('answers a refresh in flight before it finishes on a stop', async () => {
    await withWorker(ctx, async (taskQueue) => {
      // The forced refresh is a local activity: the workflow task stays open while it runs and
      // takes in new signals at its heartbeat (80% of the task timeout), so a short timeout lets
      // the stop arrive while the refresh is still running.
      const handle = await startShard(ctx.env.client, taskQueue, { shard: 4 }, { workflowTaskTimeout: '2s' });
      await soon('the first delivery run', () => (ctx.fakes.callsOf('deliverDue').length === 1 ? true : undefined));
      const held = ctx.fakes.hold('deliverNode');
      const update = await handle.startUpdate(forcedRefreshUpdate, { args: [{ nodeId: 'node-9' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
      await held.entered;
      await handle.signal(stopSignal);
      await signalHandled(handle, 'stop');
      held.release();
      expect(await update.result()).toMatchObject({ nodeId: 'node-9', acked: true });
      await handle.result();
      expect(ctx.fakes.callsOf('deliverDue')).toHaveLength(1);
    });
  });

  it('answers a refresh in flight before it continues as new', async () => {
    await withWorker(ctx, async (taskQueue) => {
      deliveriesAnswer(inSeconds(3600));
      // The task timeout is short for the reason the stop test above gives; continue-as-new keeps it.
      const handle = await startShard(ctx.env.client, taskQueue, { shard: 6, continueAsNewEveryIteration: true }, { workflowTaskTimeout: '2s' });
      const runs = await soon('a second run, waiting', async () => {
        const r = await runsOf(handle);
        return r.length === 2 ? r : undefined;
      });
      const secondRun = ctx.env.client.workflow.getHandle(handle.workflowId, runs[1]);
      const held = ctx.fakes.hold('deliverNode');
      const update = await handle.startUpdate(forcedRefreshUpdate, { args: [{ nodeId: 'node-6' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
      await held.entered;
      // A wake-up runs a delivery, after which the run would continue as new but for the refresh.
      await handle.signal(wakeSignal);
      await handled(secondRun, 'the second delivery run', (e) => Boolean(e.activityTaskCompletedEventAttributes));
      held.release();
      expect(await update.result()).toMatchObject({ nodeId: 'node-6', acked: true });
      await soon('a third run', async () => ((await runsOf(handle)).length === 3 ? true : undefined));
      expect(ctx.fakes.callsOf('deliverDue')).toHaveLength(2);
      await handle.signal(stopSignal);
      await handle.result();
    });
  });

  it('carries its due time, and a wake-up that came during the last run, across continue-as-new', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const later = inSeconds(3600);
      deliveriesAnswer(null, later);
      const held = ctx.fakes.hold('deliverDue');
      const handle = await startShard(ctx.env.client, taskQueue, { shard: 5, continueAsNewEveryIteration: true });
      await held.entered;
      await handle.signal(wakeSignal);
      await signalHandled(handle, 'wake');
      held.release();

      // The first run said nothing is due: only the carried wake-up makes the next run deliver.
      await soon('the run the carried wake-up asked for', () => (ctx.fakes.callsOf('deliverDue').length === 2 ? true : undefined));
      const runs = await soon('a third run, waiting', async () => {
        const r = await runsOf(handle);
        return r.length === 3 ? r : undefined;
      });
      const status = await ctx.env.client.workflow.getHandle(handle.workflowId, runs[2]).query(shardStatusQuery);
      expect(status.nextDueAt).toBe(later);
      expect(ctx.fakes.callsOf('deliverDue')).toHaveLength(2);

      await handle.signal(stopSignal);
      await handle.result();
    });
  });
});
