/**
 * The activities' inputs and outputs: the boundary between deterministic workflows and I/O.
 * Node lists never cross it: activities read and write node rows in PostgreSQL themselves.
 */
import type { BadRow, NodeCounts } from '../domain/status';
import type { ForcedRefreshOutcome, ForcedRefreshRequest } from '../workflows/shard/definitions';

export interface LoadMappingInput {
  serviceId: string;
  /** ETag of the mapping in force; an object with this ETag is not read again unless `force`. */
  knownEtag: string | null;
  force: boolean;
}

type MappingOutcome =
  /** The object's ETag equals `knownEtag`: nothing read. */
  | 'unchanged'
  /** Read and in force: added nodes upserted, removed nodes deleted, shards re-assigned. */
  | 'applied'
  /** Read, but empty of valid rows or much smaller than before: the last good node list stays. */
  | 'held';

export interface LoadMappingResult {
  outcome: MappingOutcome;
  etag: string;
  /** Valid, distinct nodes the object lists for this service. */
  nodeCount: number;
  added: number;
  removed: number;
  badRows: number;
  badRowSamples: BadRow[];
  /** Shards in force after the load (at least 1). */
  shardCount: number;
  heldReason: string | null;
  bytesRead: number;
  loadedAt: string;
}

export interface DeliverDueInput {
  serviceId: string;
  shard: number;
  /** Attempt at most this many nodes, then return with the rest still due (a shard's first run). */
  maxNodes?: number;
}

export interface DeliverDueResult {
  /** Nodes acked in this run. */
  delivered: number;
  /** Nodes whose attempt failed in this run (they are rescheduled with backoff). */
  failed: number;
  counts: NodeCounts;
  /** The earliest time any node of the shard is due again; null when the shard has no nodes. */
  nextDueAt: string | null;
  /** The service row is gone or being deleted: the shard should stop. */
  serviceGone: boolean;
}

export interface ForcedRefreshInput extends ForcedRefreshRequest {
  serviceId: string;
}

/** A signal for many shard (or shard group) workflows, sent from an activity to keep workflow histories short. */
export interface SignalWorkflowsInput {
  workflowIds: string[];
  signal: 'wake' | 'stop';
  /** With `stop`: return only once every workflow has closed, so its id can be started afresh. */
  awaitClose?: boolean;
}

interface ServiceInput {
  serviceId: string;
}

/** Every activity Courier's workflows call; the factories in this folder implement it. */
/** What one notifier tick did. */
export interface DispatchResult {
  /** Notifications made from pending alert events. */
  notified: number;
  /** Channel messages sent and acknowledged, and attempts that failed (to be retried). */
  sent: number;
  failed: number;
}

export interface FleetDutiesInput {
  /** Duties that start or signal workflows act on this task queue's services only. */
  taskQueue: string;
}

/** Which duties ran this tick, and what they did. */
export interface FleetDutiesResult {
  shardsRestarted?: number;
  breachesSwept?: number;
  gaugesComputed?: boolean;
  mappingsResynced?: number;
}

export interface CourierActivities {
  loadMapping(input: LoadMappingInput): Promise<LoadMappingResult>;
  /** loadMapping as a local activity when the object is small; null when it is not (src/activities/mapping-small.ts). */
  loadSmallMapping(input: LoadMappingInput): Promise<LoadMappingResult | null>;
  deliverDue(input: DeliverDueInput): Promise<DeliverDueResult>;
  /** The forced refresh of one node (a local activity; `deliverNode` is its name in workflow histories). */
  deliverNode(input: ForcedRefreshInput): Promise<ForcedRefreshOutcome>;
  /** Make every node of the service due now (refresh-all). */
  markAllDue(input: ServiceInput): Promise<void>;
  signalWorkflows(input: SignalWorkflowsInput): Promise<void>;
  /** Delete the service's rows once its shards have stopped. */
  purgeService(input: ServiceInput): Promise<void>;
  dispatchNotifications(): Promise<DispatchResult>;
  runFleetDuties(input: FleetDutiesInput): Promise<FleetDutiesResult>;
}
