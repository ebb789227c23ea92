/**
 * The per-task-queue ticker workflows: the notifier dispatches on every tick, at once when asked,
 * and backs off after a failed dispatch; the fleet runs its duties on every tick and keeps
 * ticking through failures. Both carry nothing and continue as new without missing a tick.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FLEET_WORKFLOW_TYPE, fleetStartOptions } from '../../src/workflows/fleet/definitions';
import { dispatchNowSignal, NOTIFIER_WORKFLOW_TYPE, notifierStartOptions } from '../../src/workflows/notifier/definitions';
import { runsOf, soon, timersOf, withWorker, workflowTestContext } from '../support/workflow-env';

const ctx = workflowTestContext();

const dispatches = () => ctx.fakes.callsOf('dispatchNotifications').length;
const duties = () => ctx.fakes.callsOf('runFleetDuties');

describe('notifierWorkflow', () => {
  it('dispatches at start, at once on dispatchNow, and on every tick', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const hourly = await ctx.env.client.workflow.start(NOTIFIER_WORKFLOW_TYPE, notifierStartOptions({ everySeconds: 3600 }, taskQueue));
      await soon('the first dispatch', () => (dispatches() === 1 ? true : undefined));
      await hourly.signal(dispatchNowSignal);
      await soon('the dispatch asked for', () => (dispatches() === 2 ? true : undefined));
      await hourly.terminate();
    });
    await withWorker(ctx, async (taskQueue) => {
      const before = dispatches();
      const ticking = await ctx.env.client.workflow.start(NOTIFIER_WORKFLOW_TYPE, notifierStartOptions({ everySeconds: 0.2 }, taskQueue));
      await soon('three ticks', () => (dispatches() - before >= 3 ? true : undefined));
      await ticking.terminate();
    });
  });

  it('waits out a back-off after a failed dispatch instead of ticking on', async () => {
    await withWorker(ctx, async (taskQueue) => {
      ctx.fakes.answer.dispatchNotifications = async () => {
        throw ApplicationFailure.nonRetryable('database is down');
      };
      const handle = await ctx.env.client.workflow.start(NOTIFIER_WORKFLOW_TYPE, notifierStartOptions({ everySeconds: 0.2 }, taskQueue));
      const timers = await soon('the back-off timer', async () => ((await timersOf(handle)).length > 0 ? timersOf(handle) : undefined));
      expect(timers).toEqual([30_000]);
      expect(dispatches()).toBe(1);
      await handle.terminate();
    });
  });

  it('continues as new after each iteration and dispatches in the next run', async () => {
    await withWorker(ctx, async (taskQueue) => {
      const handle = await ctx.env.client.workflow.start(
        NOTIFIER_WORKFLOW_TYPE,
        notifierStartOptions({ everySeconds: 3600, continueAsNewEveryIteration: true }, taskQueue),
      );
      await soon('the first dispatch', () => (dispatches() === 1 ? true : undefined));
      await handle.signal(dispatchNowSignal);
      await soon('the dispatch of the next run', () => (dispatches() === 2 ? true : undefined));
      expect(await runsOf(handle)).toHaveLength(2);
      await handle.terminate();
    });
  });
});

describe('fleetWorkflow', () => {
  it('runs the duties of its task queue on every tick, through failures and continue-as-new', async () => {
    await withWorker(ctx, async (taskQueue) => {
      let n = 0;
      ctx.fakes.answer.runFleetDuties = async () => {
        if (n++ % 2 === 0) throw ApplicationFailure.nonRetryable('database is down');
        return { shardsRestarted: 0 };
      };
      const handle = await ctx.env.client.workflow.start(FLEET_WORKFLOW_TYPE, fleetStartOptions({ tickSeconds: 0.2, continueAsNewEveryIteration: true }, taskQueue));
      await soon('four ticks, two of them failed', () => (duties().length >= 4 ? true : undefined));
      expect(new Set(duties().map((d) => d.taskQueue))).toEqual(new Set([taskQueue]));
      expect((await runsOf(handle)).length).toBeGreaterThanOrEqual(4);
      await handle.terminate();
    });
  });
});
