/**
 * The shard group workflow: the middle level of a huge service. It starts its range of shards,
 * passes wake-ups down, stops its shards before it finishes, and carries the shards it started
 * and a pending wake-up across continue-as-new. Its shards are real shard workflows on fake
 * activities, so a stop really stops them.
 */
import type { Client } from '@temporalio/client';
import {
  SHARD_GROUP_WORKFLOW_TYPE,
  shardGroupWorkflowOptions,
  shardWorkflowId,
  stopSignal,
  wakeSignal,
  type ShardGroupWorkflowInput,
} from '../../src/workflows/shard/definitions';
import { historyOf, runsOf, signalHandled, soon, withWorker, workflowTestContext } from '../support/workflow-env';

const ctx = workflowTestContext();

function startGroup(client: Client, taskQueue: string, input: Omit<ShardGroupWorkflowInput, 'customerId' | 'group'>) {
  return client.workflow.start(SHARD_GROUP_WORKFLOW_TYPE, { ...shardGroupWorkflowOptions({ ...input, customerId: 'cust-1', group: 1 }), taskQueue });
}

const deliveriesOf = (shard: number) => ctx.fakes.callsOf('deliverDue').filter((c) => c.shard === shard).length;
const signalsOf = (signal: 'wake' | 'stop') => ctx.fakes.callsOf('signalWorkflows').filter((c) => c.signal === signal);

describe('shardGroupWorkflow', () => {
  it('starts its range of shards, wakes them on a wake-up, and stops them before it finishes', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const serviceId = 'svc-group';
      const handle = await startGroup(ctx.env.client, taskQueue, { serviceId, firstShard: 2, endShard: 5 });
      const shardIds = [2, 3, 4].map((s) => shardWorkflowId(serviceId, s));
      await soon('a first delivery run of shards 2, 3 and 4', () => ([2, 3, 4].every((s) => deliveriesOf(s) === 1) ? true : undefined));
      expect(deliveriesOf(1) + deliveriesOf(5)).toBe(0);

      await handle.signal(wakeSignal);
      await soon('a second run of every shard', () => ([2, 3, 4].every((s) => deliveriesOf(s) === 2) ? true : undefined));
      expect(signalsOf('wake')).toEqual([{ workflowIds: shardIds, signal: 'wake' }]);

      await handle.signal(stopSignal);
      await handle.result();
      expect(signalsOf('stop')).toEqual([{ workflowIds: shardIds, signal: 'stop', awaitClose: true }]);
      for (const id of shardIds) expect((await ctx.env.client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
    });
  });

  it('carries the shards it started and a wake-up that came while it woke them across continue-as-new', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const serviceId = 'svc-group-can';
      const handle = await startGroup(ctx.env.client, taskQueue, { serviceId, firstShard: 0, endShard: 2, continueAsNewEveryIteration: true });
      await soon('a first delivery run of both shards', () => (deliveriesOf(0) === 1 && deliveriesOf(1) === 1 ? true : undefined));

      const held = ctx.fakes.hold('signalWorkflows');
      await handle.signal(wakeSignal);
      await held.entered;
      await handle.signal(wakeSignal);
      await signalHandled(handle, 'wake');
      held.release();

      // The second wake-up reaches the shards from the next run, which starts no shard again.
      await soon('both wake-ups passed down', () => (signalsOf('wake').length === 2 ? true : undefined));
      const runs = await soon('a third run, waiting', async () => {
        const r = await runsOf(handle);
        return r.length === 3 ? r : undefined;
      });
      for (const runId of runs.slice(1)) {
        const events = await historyOf(ctx.env.client.workflow.getHandle(handle.workflowId, runId));
        expect(events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toEqual([]);
      }

      await handle.signal(stopSignal);
      await handle.result();
      expect(signalsOf('stop')).toEqual([{ workflowIds: [0, 1].map((s) => shardWorkflowId(serviceId, s)), signal: 'stop', awaitClose: true }]);
    });
  });
});
