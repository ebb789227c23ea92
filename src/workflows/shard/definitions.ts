/**
 * The shard workflow family: shards deliver, shard groups supervise the shards of huge services.
 * Ids, start options and messages live here, so the service workflow, the fleet duties (which
 * start a shard again when it went missing) and the API share one definition.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { NodeCounts } from '../../domain/status';
import { familyStartOptions } from '../search-attributes';

export const SHARD_WORKFLOW_TYPE = 'shardWorkflow';
export const SHARD_GROUP_WORKFLOW_TYPE = 'shardGroupWorkflow';

export const shardWorkflowId = (serviceId: string, shard: number): string => `service:${serviceId}:shard:${shard}`;
export const shardGroupWorkflowId = (serviceId: string, group: number): string =>
  `service:${serviceId}:group:${group}`;

export interface ShardWorkflowInput {
  serviceId: string;
  customerId: string;
  shard: number;
  /** When the shard is next due (ISO), carried across continue-as-new; absent: due now; null: nothing to deliver. */
  nextDueAt?: string | null;
  /** A wake-up that arrived while the previous run was continuing as new. */
  wakePending?: boolean;
  /** Tests set this to make every loop iteration continue as new. */
  continueAsNewEveryIteration?: boolean;
}

export interface ShardGroupWorkflowInput {
  serviceId: string;
  customerId: string;
  group: number;
  /** The shards this group supervises: [firstShard, endShard). */
  firstShard: number;
  endShard: number;
  carried?: { started: number[]; wakePending: boolean };
  continueAsNewEveryIteration?: boolean;
}

/** Start options of one shard workflow, as a child or started by itself (add the task queue then). */
export function shardWorkflowOptions(input: ShardWorkflowInput) {
  return familyStartOptions(shardWorkflowId(input.serviceId, input.shard), input, `Shard ${input.shard} of service ${input.serviceId}`, input.shard);
}

export function shardGroupWorkflowOptions(input: ShardGroupWorkflowInput) {
  return familyStartOptions(
    shardGroupWorkflowId(input.serviceId, input.group),
    input,
    `Shards ${input.firstShard}-${input.endShard - 1} of service ${input.serviceId}`,
  );
}

export interface ForcedRefreshRequest {
  nodeId: string;
  /** Delivery endpoint for a node the mapping does not list. */
  endpoint?: string;
}

/** The outcome of one forced refresh, as the API returns it. */
export interface ForcedRefreshOutcome {
  nodeId: string;
  acked: boolean;
  version: string | null;
  deliveredAt: string | null;
  expiresAt: string | null;
  error: string | null;
}

/** What a shard workflow knows of itself: the last run's counts and when it runs next. */
export interface ShardState {
  counts: NodeCounts | null;
  nextDueAt: string | null;
  lastRunAt: string | null;
  /** Set while delivery activities themselves fail (database or worker trouble), not nodes. */
  engineError: string | null;
}

/**
 * The forced refresh: deliver to one node now, known or new, and answer once it acked or failed.
 * `refreshNode` is its name in workflow histories and in flight, so it stays.
 */
export const forcedRefreshUpdate = defineUpdate<ForcedRefreshOutcome, [ForcedRefreshRequest]>('refreshNode');
/** Something changed (mapping, config, refresh-all, redrive, a missed run): re-plan the next delivery now. */
export const wakeSignal = defineSignal('wake');
/** The shard is no longer needed (service deleted, or fewer shards): finish. */
export const stopSignal = defineSignal('stop');

export const shardStatusQuery = defineQuery<ShardState>('status');
