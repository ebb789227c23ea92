/**
 * Supervising long-lived children: shards under a service, or under a shard group. Children are
 * started with ABANDON so that a parent's continue-as-new does not terminate them, and the parent
 * carries the indices it started into its next run.
 */
import { TypedSearchAttributes, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, patched, startChild, type ChildWorkflowOptions } from '@temporalio/workflow';
import { silentChildren, SUPERVISION_PATCH } from '../domain/supervision';
import { control } from './activities';
import { customerIdKey, serviceIdKey, shardKey } from './search-attributes';
import {
  SHARD_GROUP_WORKFLOW_TYPE,
  SHARD_WORKFLOW_TYPE,
  shardGroupWorkflowId,
  shardWorkflowId,
  type ShardGroupWorkflowInput,
  type ShardWorkflowInput,
} from './shard/definitions';

export interface ChildStart {
  index: number;
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

/**
 * Starts again the children not heard from for too long (src/domain/supervision.ts), and records
 * when each child was last started: one started before this record existed counts from now.
 */
export async function superviseChildren(
  started: readonly number[],
  lastHeard: Record<string, number>,
  heartbeatMs: number,
  startOf: (index: number) => ChildStart,
): Promise<void> {
  if (!patched(SUPERVISION_PATCH)) return;
  const now = Date.now();
  for (const child of started) lastHeard[child] ??= now;
  const silent = silentChildren(started, lastHeard, now, heartbeatMs);
  await startChildren(silent.map(startOf));
  for (const child of silent) lastHeard[child] = now;
}

/** Indices in `a` that are not in `b`. */
export const missingFrom = (a: readonly number[], b: readonly number[]): number[] => {
  const inB = new Set(b);
  return a.filter((i) => !inB.has(i));
};

export const range = (first: number, end: number): number[] => Array.from({ length: Math.max(0, end - first) }, (_, i) => first + i);


export interface Owner {
  serviceId: string;
  customerId: string;
  /** Workflow id of the supervising parent, which receives the children's reports. */
  parentId: string;
  /** How often children report at least (src/domain/supervision.ts). */
  heartbeatMs: number;
  /** Tests force continue-as-new on every iteration, down the whole tree. */
  continueAsNewEveryIteration?: boolean;
}

export function shardStart(owner: Owner, shard: number): ChildStart {
  const input: ShardWorkflowInput = { ...owner, shard, reportAs: shard };
  return {
    index: shard,
    workflowType: SHARD_WORKFLOW_TYPE,
    options: {
      workflowId: shardWorkflowId(owner.serviceId, shard),
      args: [input],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: serviceIdKey, value: owner.serviceId },
        { key: customerIdKey, value: owner.customerId },
        { key: shardKey, value: shard },
      ]),
      staticSummary: `Shard ${shard} of service ${owner.serviceId}`,
    },
  };
}

export function groupStart(owner: Owner, group: number, shards: { first: number; end: number }): ChildStart {
  const input: ShardGroupWorkflowInput = { ...owner, group, firstShard: shards.first, endShard: shards.end };
  return {
    index: group,
    workflowType: SHARD_GROUP_WORKFLOW_TYPE,
    options: {
      workflowId: shardGroupWorkflowId(owner.serviceId, group),
      args: [input],
      typedSearchAttributes: new TypedSearchAttributes([
        { key: serviceIdKey, value: owner.serviceId },
        { key: customerIdKey, value: owner.customerId },
      ]),
      staticSummary: `Shards ${shards.first}-${shards.end - 1} of service ${owner.serviceId}`,
    },
  };
}
