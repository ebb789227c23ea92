/**
 * The service workflow family, as the rest of Courier sees it: ids, task queue, start options and
 * the messages it takes. The API imports this module, never the workflow code itself.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { TypedSearchAttributes } from '@temporalio/common';
import type { MappingStatus, ServiceStatus, ShardSummary } from '../../domain/status';
import { customerIdKey, serviceIdKey } from '../search-attributes';

export const DEFAULT_TASK_QUEUE = 'courier';
export const SERVICE_WORKFLOW_TYPE = 'serviceWorkflow';

export const serviceWorkflowId = (serviceId: string): string => `service:${serviceId}`;

export interface EngineSettings {
  mappingCheckSeconds: number;
  maxChildren: number;
  /** Children report at least this often; absent in runs started before it existed (default 10 min). */
  childHeartbeatSeconds?: number;
}

/** State a service workflow carries into its next run when it continues as new. */
export interface ServiceCarriedState {
  mapping: MappingStatus;
  /** ETag of the last mapping object read, applied or held: periodic checks skip it. */
  lastSeenEtag: string | null;
  shardCount: number;
  children: {
    /** Shards directly, or shard groups once a service has more shards than one workflow supervises. */
    kind: 'shard' | 'group';
    /** Identifies how shards are spread over groups; a change restarts the group level. */
    layout: string;
    /** Indices of the children started and not stopped. */
    started: number[];
    summaries: Record<string, ShardSummary>;
    /** When each child was last started or heard from (workflow time, ms). */
    lastHeard?: Record<string, number>;
  };
  refreshAllPending: boolean;
}

export interface ServiceWorkflowInput {
  serviceId: string;
  customerId: string;
  serviceName: string;
  settings: EngineSettings;
  carried?: ServiceCarriedState;
  /** Tests set this to make every loop iteration continue as new. */
  continueAsNewEveryIteration?: boolean;
}

export function serviceWorkflowStartOptions(input: ServiceWorkflowInput, taskQueue: string) {
  return {
    workflowId: serviceWorkflowId(input.serviceId),
    taskQueue,
    args: [input] as [ServiceWorkflowInput],
    typedSearchAttributes: new TypedSearchAttributes([
      { key: serviceIdKey, value: input.serviceId },
      { key: customerIdKey, value: input.customerId },
    ]),
    staticSummary: `Service ${input.serviceName} (${input.serviceId})`,
    staticDetails: 'Loads the mapping, supervises shard workflows, routes refreshes and reports status.',
  };
}

/** Re-read the mapping object now, even if its ETag looks unchanged. */
export const reloadMappingSignal = defineSignal('reloadMapping');
/** Deliver to every node now. */
export const refreshAllSignal = defineSignal('refreshAll');
/** The registration changed in the database; `mappingChanged` when the URI or format did. */
export const serviceChangedSignal = defineSignal<[{ mappingChanged: boolean }]>('serviceChanged');
/** Stop all shards, purge the service's rows and finish. */
export const deregisterSignal = defineSignal('deregister');
/** Sent by a shard (or shard group) after each refresh cycle. */
export const childReportSignal = defineSignal<[{ child: number; summary: ShardSummary }]>('childReport');

export const serviceStatusQuery = defineQuery<ServiceStatus>('status');
