/**
 * The service workflow family, as the rest of Courier sees it: ids, task queue, start options and
 * the messages it takes. The API imports this module, never the workflow code itself.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MappingStatus, ServiceStatus } from '../../domain/status';
import { familyStartOptions } from '../search-attributes';

export const SERVICE_WORKFLOW_TYPE = 'serviceWorkflow';

export const serviceWorkflowId = (serviceId: string): string => `service:${serviceId}`;

interface EngineSettings {
  maxChildren: number;
}

/** State a service workflow carries into its next run when it continues as new. */
export interface ServiceCarriedState {
  mapping: MappingStatus;
  /** ETag of the last mapping object read, applied or held: checks skip it. */
  lastSeenEtag: string | null;
  /** Loads that failed in a row: the next retry backs off by it. */
  mappingFailures: number;
  shardCount: number;
  children: {
    /** Shards directly, or shard groups once a service has more shards than one workflow supervises. */
    kind: 'shard' | 'group';
    /** Identifies how shards are spread over groups; a change restarts the group level. */
    layout: string;
    /** Indices of the children started and not stopped. */
    started: number[];
  };
  /** Requests that had arrived and were not acted on yet when the run continued as new. */
  pending: ServicePending;
}

interface ServicePending {
  /** Read the mapping if its ETag changed. */
  check: boolean;
  /** Read the mapping whatever its ETag, and apply it even if it would be held. */
  reload: boolean;
  refreshAll: boolean;
  wake: boolean;
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
    ...familyStartOptions(serviceWorkflowId(input.serviceId), input, `Service ${input.serviceName} (${input.serviceId})`),
    taskQueue,
    staticDetails: 'Loads the mapping, supervises shard workflows, routes refreshes and reports status.',
  };
}

/** Re-read the mapping object now, even if its ETag looks unchanged (the customer asked). */
export const reloadMappingSignal = defineSignal('reloadMapping');
/** The mapping object may have changed (a bucket event, the fleet's resync): read it if its ETag did. */
export const checkMappingSignal = defineSignal('checkMapping');
/** Deliver to every node now. */
export const refreshAllSignal = defineSignal('refreshAll');
/** The registration changed in the database; `mappingChanged` when the URI or format did. */
export const serviceChangedSignal = defineSignal<[{ mappingChanged: boolean }]>('serviceChanged');
/** Stop all shards, purge the service's rows and finish. */
export const deregisterSignal = defineSignal('deregister');

export const serviceStatusQuery = defineQuery<ServiceStatus>('status');
