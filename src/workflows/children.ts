/**
 * Long-lived children: shards under a service, or under a shard group. Children are started
 * with ABANDON so that a parent's continue-as-new does not terminate them, and the parent
 * carries the indices it started into its next run. Nobody awaits them: a shard that stops
 * running is found by the fleet's reconciler (src/activities/fleet/), not by its parent.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild, type ChildWorkflowOptions } from '@temporalio/workflow';
import { control } from './activities';
import {
  SHARD_GROUP_WORKFLOW_TYPE,
  SHARD_WORKFLOW_TYPE,
  shardGroupWorkflowOptions,
  shardWorkflowOptions,
} from './shard/definitions';

export interface ChildStart {
  workflowType: string;
  options: ChildWorkflowOptions & { workflowId: string; args: unknown[] };
}

/** Start children; one already running under that id (an earlier run started it) counts as started. */
export async function startChildren(children: ChildStart[]): Promise<void> {
  await Promise.all(
    children.map(async ({ workflowType, options }) => {
      try {
        await startChild(workflowType, { ...options, parentClosePolicy: ParentClosePolicy.ABANDON });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }),
  );
}

/** Stop children and wait until they have closed, so their ids may be started afresh. */
export async function stopChildren(workflowIds: string[]): Promise<void> {
  if (workflowIds.length > 0) await control.signalWorkflows({ workflowIds, signal: 'stop', awaitClose: true });
}

export async function wakeChildren(workflowIds: string[]): Promise<void> {
  if (workflowIds.length > 0) await control.signalWorkflows({ workflowIds, signal: 'wake' });
}

/** Indices in `a` that are not in `b`. */
export const missingFrom = (a: readonly number[], b: readonly number[]): number[] => {
  const inB = new Set(b);
  return a.filter((i) => !inB.has(i));
};

export const range = (first: number, end: number): number[] => Array.from({ length: Math.max(0, end - first) }, (_, i) => first + i);

/** Who owns a child: the service it belongs to. Tests force continue-as-new down the whole tree. */
export interface Owner {
  serviceId: string;
  customerId: string;
  continueAsNewEveryIteration?: boolean;
}

export function shardChild(owner: Owner, shard: number): ChildStart {
  const { serviceId, customerId, continueAsNewEveryIteration } = owner;
  return { workflowType: SHARD_WORKFLOW_TYPE, options: shardWorkflowOptions({ serviceId, customerId, shard, continueAsNewEveryIteration }) };
}

export function groupChild(owner: Owner, group: number, shards: { first: number; end: number }): ChildStart {
  const { serviceId, customerId, continueAsNewEveryIteration } = owner;
  return {
    workflowType: SHARD_GROUP_WORKFLOW_TYPE,
    options: shardGroupWorkflowOptions({ serviceId, customerId, group, firstShard: shards.first, endShard: shards.end, continueAsNewEveryIteration }),
  };
}
