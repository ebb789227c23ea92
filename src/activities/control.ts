import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Pool } from 'pg';
import { mapConcurrent } from '../domain/concurrency';
import type { FairPacer } from '../domain/pacing';
import { stopSignal, wakeSignal } from '../workflows/shard/definitions';
import { markAllDue, purgeService } from '../engine/delivery/node-store';
import type { CourierActivities, SignalWorkflowsInput } from './types';

/** Signals sent in parallel per call: enough to fan out to hundreds of shards quickly. */
const SIGNAL_CONCURRENCY = 32;

export interface ControlDeps {
  pool: Pool;
  temporal: Client;
  /**
   * This worker's refresh steps (COURIER_REFRESH_RATE): a batch of nodes marked due, a shard
   * woken. Taken in turn by the workflows that ask, a service and its shard groups: unpaced, a
   * refresh-all of several services was tens of thousands of row updates and hundreds of Temporal
   * writes in one second, and forced refreshes waited behind them (docs/performance.md §1).
   */
  refreshPacer: FairPacer;
}

/** Activities that steer a service as a whole: broadcasts to its shards, refresh-all, purge. */
export function createControlActivities(
  deps: ControlDeps,
): Pick<CourierActivities, 'signalWorkflows' | 'markAllDue' | 'purgeService'> {
  /** Whose turn a step takes: the workflow that asks, so that one refresh-all does not hold up another's. */
  const asker = (): string => {
    const { info } = Context.current();
    return info.workflowExecution?.workflowId ?? info.activityId;
  };
  const send = async (workflowId: string, { signal, awaitClose }: SignalWorkflowsInput, sender: string) => {
    if (signal === 'wake') await deps.refreshPacer.turn(sender);
    const handle = deps.temporal.workflow.getHandle(workflowId);
    try {
      await handle.signal(signal === 'wake' ? wakeSignal : stopSignal);
      if (awaitClose) await handle.result();
    } catch (err) {
      // A workflow that already finished needs no signal; anything else is retried by Temporal.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    Context.current().heartbeat();
  };

  return {
    async signalWorkflows(input: SignalWorkflowsInput) {
      const sender = asker();
      await mapConcurrent(input.workflowIds, SIGNAL_CONCURRENCY, (id) => send(id, input, sender));
    },
    async markAllDue({ serviceId }) {
      const sender = asker();
      await markAllDue(deps.pool, serviceId, new Date(), async () => {
        await deps.refreshPacer.turn(sender);
        Context.current().heartbeat();
      });
    },
    async purgeService({ serviceId }) {
      await purgeService(deps.pool, serviceId);
    },
  };
}
