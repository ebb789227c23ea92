/**
 * The service workflow: it loads the mapping when told it may have changed, keeps one shard
 * workflow per shard (or shard groups past the children limit) running, routes refresh-all and
 * registration changes to them, retries a failed load on a backoff timer, carries its state and
 * pending requests across continue-as-new, and on deregistration stops its shards and purges.
 * Its children are real shard and group workflows on fake activities.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type SignalDefinition } from '@temporalio/common';
import type { LoadMappingResult } from '../../src/activities/types';
import {
  checkMappingSignal,
  deregisterSignal,
  refreshAllSignal,
  reloadMappingSignal,
  SERVICE_WORKFLOW_TYPE,
  serviceChangedSignal,
  serviceStatusQuery,
  serviceWorkflowStartOptions,
  type ServiceWorkflowInput,
} from '../../src/workflows/service/definitions';
import { shardGroupWorkflowId, shardWorkflowId } from '../../src/workflows/shard/definitions';
import { appliedMapping } from '../support/fake-activities';
import { historyOf, runsOf, signalHandled, soon, timersOf, withWorker, workflowTestContext } from '../support/workflow-env';

const ctx = workflowTestContext();

function startService(client: Client, taskQueue: string, serviceId: string, extra: Partial<ServiceWorkflowInput> = {}) {
  const input = { serviceId, customerId: 'cust-1', serviceName: serviceId, settings: { maxChildren: 8 }, ...extra };
  return client.workflow.start(SERVICE_WORKFLOW_TYPE, serviceWorkflowStartOptions(input, taskQueue));
}

const unchanged = (etag: string): LoadMappingResult => ({ ...appliedMapping(etag, 1, 0), outcome: 'unchanged' });
const loads = () => ctx.fakes.callsOf('loadMapping');
const signalsOf = (signal: 'wake' | 'stop') => ctx.fakes.callsOf('signalWorkflows').filter((c) => c.signal === signal);
const statusOf = (client: Client, serviceId: string) => client.workflow.getHandle(`service:${serviceId}`).query(serviceStatusQuery);
/**
 * Sends `signal` while an iteration is under way: a serviceChanged wakes the shards, the wake-up's
 * signalWorkflows call is held until the workflow has handled `signal`, then let go.
 */
async function signalMidIteration(handle: WorkflowHandle, signal: SignalDefinition, name: string): Promise<void> {
  const held = ctx.fakes.hold('signalWorkflows');
  await handle.signal(serviceChangedSignal, { mappingChanged: false });
  await held.entered;
  await handle.signal(signal);
  await signalHandled(handle, name);
  held.release();
}

const runningIds = async (client: Client, ids: string[]) => {
  const states = await Promise.all(ids.map((id) => client.workflow.getHandle(id).describe().then((d) => d.status.name, () => 'NOT_FOUND')));
  return ids.filter((_, i) => states[i] === 'RUNNING');
};

describe('serviceWorkflow', () => {
  it('loads the mapping at start and keeps one shard running per shard as the count grows and shrinks', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const serviceId = 'svc-grow';
      const shard = (i: number) => shardWorkflowId(serviceId, i);
      ctx.fakes.answer.loadMapping = async () => appliedMapping('etag-1', 2);
      const handle = await startService(ctx.env.client, taskQueue, serviceId);
      await soon('shards 0 and 1 running', async () => ((await runningIds(ctx.env.client, [shard(0), shard(1)])).length === 2 ? true : undefined));
      expect(loads()).toEqual([{ serviceId, knownEtag: null, force: false }]);
      expect(await statusOf(ctx.env.client, serviceId)).toMatchObject({ state: 'active', shardCount: 2, mapping: { etag: 'etag-1', error: null } });

      ctx.fakes.answer.loadMapping = async () => appliedMapping('etag-2', 4);
      await handle.signal(checkMappingSignal);
      await soon('shards 2 and 3 started too', async () => ((await runningIds(ctx.env.client, [0, 1, 2, 3].map(shard))).length === 4 ? true : undefined));
      expect(loads()[1]).toEqual({ serviceId, knownEtag: 'etag-1', force: false });
      // The shards already running re-plan: their nodes moved. The new ones run at once anyway.
      await soon('the running shards woken', () => (signalsOf('wake').length > 0 ? true : undefined));
      expect(signalsOf('wake')).toEqual([{ workflowIds: [shard(0), shard(1)], signal: 'wake' }]);

      ctx.fakes.answer.loadMapping = async () => appliedMapping('etag-3', 1, 0);
      await handle.signal(checkMappingSignal);
      await soon('shards 1 to 3 stopped', async () => ((await runningIds(ctx.env.client, [0, 1, 2, 3].map(shard))).length === 1 ? true : undefined));
      expect(await runningIds(ctx.env.client, [0, 1, 2, 3].map(shard))).toEqual([shard(0)]);
      expect(signalsOf('stop')).toEqual([{ workflowIds: [shard(1), shard(2), shard(3)], signal: 'stop', awaitClose: true }]);
      expect((await statusOf(ctx.env.client, serviceId)).shardCount).toBe(1);
    });
  });

  it('loads a small mapping inside its first workflow task, and a large one as an activity on the quick queue', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const serviceId = 'svc-local-load';
      ctx.fakes.answer.loadSmallMapping = async () => appliedMapping('etag-1', 1);
      const handle = await startService(ctx.env.client, taskQueue, serviceId);
      await soon('shard 0 running', async () => ((await runningIds(ctx.env.client, [shardWorkflowId(serviceId, 0)])).length === 1 ? true : undefined));
      expect(ctx.fakes.callsOf('loadSmallMapping')).toEqual([{ serviceId, knownEtag: null, force: false }]);
      expect(loads()).toEqual([]);
      // The load is a marker of the first task, which starts the shard: no activity task, no second task before it.
      const events = await historyOf(handle);
      const childAt = events.findIndex((e) => e.startChildWorkflowExecutionInitiatedEventAttributes);
      expect(events.slice(0, childAt).filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
      expect(events.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toBe(true);
      expect(events.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);

      // Every later load is an activity.
      ctx.fakes.answer.loadMapping = async () => appliedMapping('etag-2', 1);
      await handle.signal(checkMappingSignal);
      await soon('the activity loaded it', () => (loads().length === 1 ? true : undefined));
      expect(ctx.fakes.callsOf('loadSmallMapping')).toHaveLength(1);
      expect((await statusOf(ctx.env.client, serviceId)).mapping).toMatchObject({ etag: 'etag-2' });
    });
  });

  it('loads the mapping as an activity when the first load is not small, or the local activity fails', async () => {
    await withWorker(ctx, async (taskQueue) => {
      ctx.fakes.answer.loadSmallMapping = async () => {
        throw new Error('local activity failed');
      };
      await startService(ctx.env.client, taskQueue, 'svc-local-failed');
      await soon('shard 0 of the failed local load running', async () => ((await runningIds(ctx.env.client, [shardWorkflowId('svc-local-failed', 0)])).length === 1 ? true : undefined));
      ctx.fakes.answer.loadSmallMapping = async () => null;
      await startService(ctx.env.client, taskQueue, 'svc-not-small');
      await soon('shard 0 of the large one running', async () => ((await runningIds(ctx.env.client, [shardWorkflowId('svc-not-small', 0)])).length === 1 ? true : undefined));
      expect(ctx.fakes.callsOf('loadSmallMapping').map((c) => c.serviceId)).toEqual(['svc-local-failed', 'svc-not-small']);
      expect(loads().map((c) => c.serviceId)).toEqual(['svc-local-failed', 'svc-not-small']);
      expect(await statusOf(ctx.env.client, 'svc-local-failed')).toMatchObject({ state: 'active', mapping: { error: null } });
    });
  });

  it('routes reloads, refresh-all and registration changes to the mapping and the shards', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const serviceId = 'svc-route';
      const shard0 = shardWorkflowId(serviceId, 0);
      ctx.fakes.answer.loadMapping = async () => appliedMapping('etag-1', 1);
      const handle = await startService(ctx.env.client, taskQueue, serviceId);
      await soon('shard 0 running', async () => ((await runningIds(ctx.env.client, [shard0])).length === 1 ? true : undefined));

      // A reload reads the object whatever its ETag.
      ctx.fakes.answer.loadMapping = async () => unchanged('etag-1');
      await handle.signal(reloadMappingSignal);
      await soon('the forced load', () => (loads().length === 2 ? true : undefined));
      expect(loads()[1]).toEqual({ serviceId, knownEtag: 'etag-1', force: true });

      await handle.signal(refreshAllSignal);
      await soon('the shard woken after every node was made due', () => (signalsOf('wake').length === 1 ? true : undefined));
      expect(ctx.fakes.callsOf('markAllDue')).toEqual([{ serviceId }]);
      expect(signalsOf('wake')[0]).toEqual({ workflowIds: [shard0], signal: 'wake' });

      // A change that left the mapping alone wakes the shards and reads nothing.
      await handle.signal(serviceChangedSignal, { mappingChanged: false });
      await soon('the shard woken again', () => (signalsOf('wake').length === 2 ? true : undefined));
      expect(loads()).toHaveLength(2);
      await handle.signal(serviceChangedSignal, { mappingChanged: true });
      await soon('the load a changed mapping asks for', () => (loads().length === 3 ? true : undefined));
      expect(loads()[2]).toEqual({ serviceId, knownEtag: 'etag-1', force: false });
    });
  });

  it('on deregistration stops its shards, then purges the service, then finishes', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const serviceId = 'svc-gone';
      const shards = [0, 1].map((i) => shardWorkflowId(serviceId, i));
      ctx.fakes.answer.loadMapping = async () => appliedMapping('etag-1', 2);
      const handle = await startService(ctx.env.client, taskQueue, serviceId);
      await soon('both shards running', async () => ((await runningIds(ctx.env.client, shards)).length === 2 ? true : undefined));

      await handle.signal(deregisterSignal);
      await handle.result();
      expect(signalsOf('stop')).toEqual([{ workflowIds: shards, signal: 'stop', awaitClose: true }]);
      expect(ctx.fakes.callsOf('purgeService')).toEqual([{ serviceId }]);
      expect(await runningIds(ctx.env.client, shards)).toEqual([]);
      expect((await handle.query(serviceStatusQuery)).state).toBe('deleting');
    });
  });

  it('supervises through shard groups past its children limit, and restarts that level when the layout changes', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const serviceId = 'svc-groups';
      const group = (i: number) => shardGroupWorkflowId(serviceId, i);
      const shard = (i: number) => shardWorkflowId(serviceId, i);
      ctx.fakes.answer.loadMapping = async () => appliedMapping('etag-1', 4);
      const handle = await startService(ctx.env.client, taskQueue, serviceId, { settings: { maxChildren: 2 } });
      await soon('2 groups of 2 shards running', async () =>
        (await runningIds(ctx.env.client, [group(0), group(1), ...[0, 1, 2, 3].map(shard)])).length === 6 ? true : undefined,
      );

      ctx.fakes.answer.loadMapping = async () => appliedMapping('etag-2', 8);
      await handle.signal(checkMappingSignal);
      await soon('4 groups of 2 shards running', async () =>
        (await runningIds(ctx.env.client, [0, 1, 2, 3].map(group))).length === 4 && (await runningIds(ctx.env.client, [0, 1, 2, 3, 4, 5, 6, 7].map(shard))).length === 8
          ? true
          : undefined,
      );
      // Groups own ranges of shards, so the old groups (and through them their shards) were stopped first.
      expect(signalsOf('stop')[0]).toEqual({ workflowIds: [group(0), group(1)], signal: 'stop', awaitClose: true });
    });
  });

  it('keeps the last good mapping when a load fails, says why, and retries on a timer that backs off', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const serviceId = 'svc-retry';
      const handle = await startService(ctx.env.client, taskQueue, serviceId);
      await soon('the first load applied', async () => ((await statusOf(ctx.env.client, serviceId)).state === 'active' ? true : undefined));

      ctx.fakes.answer.loadMapping = async () => {
        throw ApplicationFailure.nonRetryable('access denied to the mapping object');
      };
      await handle.signal(checkMappingSignal);
      const degraded = await soon('the failure in the status', async () => {
        const s = await statusOf(ctx.env.client, serviceId);
        return s.state === 'degraded' ? s : undefined;
      });
      expect(degraded).toMatchObject({ shardCount: 1, mapping: { etag: 'etag-1', error: 'access denied to the mapping object' } });
      const first = await soon('the retry timer', async () => ((await timersOf(handle)).length === 1 ? timersOf(handle) : undefined));

      // Another failure before the retry: the next retry waits twice as long (30 s, then 60 s, up to 15 minutes).
      await handle.signal(checkMappingSignal);
      const both = await soon('the longer retry timer', async () => ((await timersOf(handle)).length === 2 ? timersOf(handle) : undefined));
      expect(both[0]).toBe(first[0]);
      expect(both[0]).toBeGreaterThan(20_000);
      expect(both[0]).toBeLessThanOrEqual(30_000);
      expect(both[1]).toBeGreaterThan(50_000);
      expect(both[1]).toBeLessThanOrEqual(60_000);

      ctx.fakes.answer.loadMapping = async () => unchanged('etag-1');
      await handle.signal(checkMappingSignal);
      await soon('the status healthy again', async () => ((await statusOf(ctx.env.client, serviceId)).state === 'active' ? true : undefined));
      // A healthy service waits on signals alone: no further timer.
      expect(await timersOf(handle)).toHaveLength(2);
    });
  });

  it('carries its state and requests that came during the last iteration across continue-as-new', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const serviceId = 'svc-can';
      const shard0 = shardWorkflowId(serviceId, 0);
      const handle = await startService(ctx.env.client, taskQueue, serviceId, { continueAsNewEveryIteration: true });
      await soon('shard 0 running', async () => ((await runningIds(ctx.env.client, [shard0])).length === 1 ? true : undefined));
      // Past the first iteration, which started the shard: a wake-up then goes to a shard already running.
      await soon('a second run', async () => ((await runsOf(handle)).length === 2 ? true : undefined));

      // A refresh-all that arrives while the iteration wakes the shards is acted on by the next run.
      await signalMidIteration(handle, refreshAllSignal, 'refreshAll');
      await soon('the carried refresh-all', () => (ctx.fakes.callsOf('markAllDue').length === 1 ? true : undefined));

      ctx.fakes.answer.loadMapping = async () => unchanged('etag-1');
      await handle.signal(checkMappingSignal);
      await soon('a load in a later run', () => (loads().length === 2 ? true : undefined));
      // The ETag seen by the first run, and the shard it started, are carried.
      expect(loads()[1]).toEqual({ serviceId, knownEtag: 'etag-1', force: false });
      const runs = await runsOf(handle);
      expect(runs.length).toBeGreaterThanOrEqual(4);
      for (const runId of runs.slice(1)) {
        const events = await historyOf(ctx.env.client.workflow.getHandle(handle.workflowId, runId));
        expect(events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toEqual([]);
      }
      expect(await statusOf(ctx.env.client, serviceId)).toMatchObject({ state: 'active', shardCount: 1 });

      await handle.signal(deregisterSignal);
      await handle.result();
      expect(ctx.fakes.callsOf('purgeService')).toEqual([{ serviceId }]);
    });
  });

  it('finishes rather than continuing as new when deregistered during an iteration', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const serviceId = 'svc-can-gone';
      const shard0 = shardWorkflowId(serviceId, 0);
      const handle = await startService(ctx.env.client, taskQueue, serviceId, { continueAsNewEveryIteration: true });
      await soon('a second run', async () => ((await runsOf(handle)).length === 2 ? true : undefined));

      await signalMidIteration(handle, deregisterSignal, 'deregister');
      await soon('the service to finish', async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined));
      expect(await runsOf(handle)).toHaveLength(2);
      expect(signalsOf('stop')).toEqual([{ workflowIds: [shard0], signal: 'stop', awaitClose: true }]);
      expect(ctx.fakes.callsOf('purgeService')).toEqual([{ serviceId }]);
    });
  });
});
