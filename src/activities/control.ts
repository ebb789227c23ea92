import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Pool } from 'pg';
import { mapConcurrent } from '../domain/concurrency';
import { stopSignal, wakeSignal } from '../workflows/shard/definitions';
import { markAllDue, purgeService } from '../engine/delivery/node-store';
import type { CourierActivities, SignalWorkflowsInput } from './types';

/** Signals sent in parallel per call: enough to fan out to hundreds of shards quickly. */
const SIGNAL_CONCURRENCY = 32;

export interface ControlDeps {
  pool: Pool;
  temporal: Client;
}

/** Activities that steer a service as a whole: broadcasts to its shards, refresh-all, purge. */
export function createControlActivities(
  deps: ControlDeps,
): Pick<CourierActivities, 'signalWorkflows' | 'markAllDue' | 'purgeService'> {
  const send = async (workflowId: string, { signal, awaitClose }: SignalWorkflowsInput) => {
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
      await mapConcurrent(input.workflowIds, SIGNAL_CONCURRENCY, (id) => send(id, input));
    },
    async markAllDue({ serviceId }) {
      await markAllDue(deps.pool, serviceId, new Date());
    },
    async purgeService({ serviceId }) {
      await purgeService(deps.pool, serviceId);
    },
  };
}
