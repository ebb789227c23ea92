/** The shard workflow family: shards deliver, shard groups supervise shards of huge services. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ShardSummary } from '../../domain/status';

export const SHARD_WORKFLOW_TYPE = 'shardWorkflow';
export const SHARD_GROUP_WORKFLOW_TYPE = 'shardGroupWorkflow';

export const shardWorkflowId = (serviceId: string, shard: number): string => `service:${serviceId}:shard:${shard}`;
export const shardGroupWorkflowId = (serviceId: string, group: number): string =>
  `service:${serviceId}:group:${group}`;

export interface ShardWorkflowInput {
  serviceId: string;
  customerId: string;
  shard: number;
  /** Workflow id of the parent that receives this shard's reports. */
  parentId: string;
  /** The index this shard reports under: its shard number, or its position inside a group. */
  reportAs: number;
  summary?: ShardSummary;
  /** Report up at least this often, so the parent knows the shard is alive (src/domain/supervision.ts). */
  heartbeatMs?: number;
  continueAsNewEveryIteration?: boolean;
}

export interface ShardGroupWorkflowInput {
  serviceId: string;
  customerId: string;
  group: number;
  /** The shards this group supervises: [firstShard, endShard). */
  firstShard: number;
  endShard: number;
  parentId: string;
  carried?: { started: number[]; summaries: Record<string, ShardSummary>; lastHeard?: Record<string, number> };
  heartbeatMs?: number;
  continueAsNewEveryIteration?: boolean;
}

export interface RefreshNodeRequest {
  nodeId: string;
  /** Delivery endpoint for a node the mapping does not list. */
  endpoint?: string;
}

/** The outcome of one forced delivery, as the API returns it. */
export interface NodeDelivery {
  nodeId: string;
  acked: boolean;
  version: string | null;
  deliveredAt: string | null;
  expiresAt: string | null;
  error: string | null;
}

/** Deliver to one node now, known or new, and answer once it acked or failed. */
export const refreshNodeUpdate = defineUpdate<NodeDelivery, [RefreshNodeRequest]>('refreshNode');
/** Something changed (mapping, config, refresh-all, redrive): re-plan the next delivery now. */
export const wakeSignal = defineSignal('wake');
/** The shard is no longer needed (service deleted, or fewer shards): finish. */
export const stopSignal = defineSignal('stop');


export const shardStatusQuery = defineQuery<ShardSummary>('status');
