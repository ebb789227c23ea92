import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { LoadMappingInput, LoadMappingResult } from '../../activities/types';
import { fanOutFor, groupShards } from '../../domain/sharding';
import { emptyMappingStatus, type ServiceState, type ServiceStatus } from '../../domain/status';
import { control, mappingFor, smallMapping } from '../activities';
import { groupChild, missingFrom, range, shardChild, startChildren, stopChildren, wakeChildren, type Owner } from '../children';
import { shardGroupWorkflowId, shardWorkflowId, wakeSignal } from '../shard/definitions';
import { describeService } from '../summaries';
import {
  checkMappingSignal,
  deregisterSignal,
  refreshAllSignal,
  reloadMappingSignal,
  serviceChangedSignal,
  serviceStatusQuery,
  type ServiceCarriedState,
  type ServiceWorkflowInput,
} from './definitions';

/** A mapping that failed to load is tried again after this, doubling per failure up to the cap. */
const MAPPING_RETRY_MS = 30_000;
const MAPPING_RETRY_MAX_MS = 15 * 60_000;

/** Runs started before the local first load schedule their loads as activities on replay. */
const LOCAL_MAPPING_LOAD_PATCH = 'local-small-mapping-load';

/**
 * One registered service, for as long as it is registered: keeps its mapping current, keeps one
 * shard workflow per shard running (through shard groups for huge services), routes refresh-all
 * and config changes to them, answers status, and on deregistration stops them and purges rows.
 * It acts on signals only — a bucket event or the fleet's resync says when the mapping object
 * changed — so a service with nothing to do costs nothing; its only timer is a failed load's retry.
 */
export async function serviceWorkflow(input: ServiceWorkflowInput): Promise<void> {
  const { serviceId, settings } = input;
  const state: ServiceCarriedState = input.carried ?? {
    mapping: emptyMappingStatus(),
    lastSeenEtag: null,
    mappingFailures: 0,
    shardCount: 0,
    children: { kind: 'shard', layout: 'direct', started: [] },
    pending: { check: true, reload: false, refreshAll: false, wake: false },
  };
  const pending = state.pending;
  let deregistered = false;

  setHandler(reloadMappingSignal, () => {
    pending.reload = true;
  });
  setHandler(checkMappingSignal, () => {
    pending.check = true;
  });
  setHandler(refreshAllSignal, () => {
    pending.refreshAll = true;
  });
  setHandler(serviceChangedSignal, ({ mappingChanged }) => {
    pending.check ||= mappingChanged;
    pending.wake = true;
  });
  // Nodes were made due (a redrive of many shards): every shard re-plans now.
  setHandler(wakeSignal, () => {
    pending.wake = true;
  });
  setHandler(deregisterSignal, () => {
    deregistered = true;
  });
  setHandler(serviceStatusQuery, () => status());

  const owner: Owner = { serviceId, customerId: input.customerId, continueAsNewEveryIteration: input.continueAsNewEveryIteration };
  const childIds = (indices = state.children.started) =>
    indices.map((i) => (state.children.kind === 'group' ? shardGroupWorkflowId(serviceId, i) : shardWorkflowId(serviceId, i)));

  function status(): ServiceStatus {
    return { serviceId, state: serviceState(), mapping: state.mapping, shardCount: state.shardCount };
  }

  function serviceState(): ServiceState {
    if (deregistered) return 'deleting';
    const m = state.mapping;
    if (m.loadedAt === null && m.error === null && m.held === null) return 'loading';
    return m.error || m.held ? 'degraded' : 'active';
  }

  /** Reads the mapping if it changed (or when forced); true when the node set or shards changed. */
  async function checkMapping(force: boolean): Promise<boolean> {
    const checkedAt = new Date(Date.now()).toISOString();
    try {
      const r = await loadMapping({ serviceId, knownEtag: force ? state.mapping.etag : state.lastSeenEtag, force });
      state.lastSeenEtag = r.etag;
      state.mappingFailures = 0;
      if (r.outcome === 'unchanged') {
        state.mapping = { ...state.mapping, error: null, checkedAt };
        return false;
      }
      if (r.outcome === 'held') {
        state.mapping = { ...state.mapping, error: null, held: r.heldReason, checkedAt };
        return false;
      }
      const shardsChanged = r.shardCount !== state.shardCount;
      state.shardCount = r.shardCount;
      state.mapping = {
        etag: r.etag,
        nodeCount: r.nodeCount,
        loadedAt: r.loadedAt,
        badRows: r.badRows,
        badRowSamples: r.badRowSamples,
        error: null,
        held: null,
        checkedAt,
      };
      return shardsChanged || r.added > 0 || r.removed > 0;
    } catch (err) {
      // The last good node list stays in force; status says why the new one is not.
      state.mappingFailures++;
      state.mapping = { ...state.mapping, error: failureMessage(err), checkedAt };
      return false;
    }
  }

  /**
   * A new service's first load is tried inside this task (smallMapping), which applies a small
   * mapping at once and answers null for anything else; every later load is an activity.
   */
  async function loadMapping(args: LoadMappingInput): Promise<LoadMappingResult> {
    if (state.mapping.loadedAt === null && patched(LOCAL_MAPPING_LOAD_PATCH)) {
      // A local activity that timed out is no load failure: the activity below loads it.
      const first = await smallMapping.loadSmallMapping(args).catch(() => null);
      if (first) return first;
    }
    return mappingFor(input.customerId).loadMapping(args);
  }

  /** When a failed load is tried again; null while the mapping is fine. */
  const retryAt = (): number | null => {
    if (state.mappingFailures === 0 || state.mapping.checkedAt === null) return null;
    const backoff = Math.min(MAPPING_RETRY_MAX_MS, MAPPING_RETRY_MS * 2 ** (state.mappingFailures - 1));
    return Date.parse(state.mapping.checkedAt) + backoff;
  };

  /** Starts and stops children until they match the shard count; returns the ones it started. */
  async function reconcileChildren(): Promise<number[]> {
    const shardCount = Math.max(1, state.shardCount);
    const fan = fanOutFor(shardCount, settings.maxChildren);
    const kind = fan.groupCount > 0 ? 'group' : 'shard';
    const layout = kind === 'group' ? `${shardCount} shards in ${fan.groupCount} groups` : 'direct';
    const children = state.children;
    if (children.layout !== layout && (kind === 'group' || children.kind === 'group')) {
      // Groups own ranges of shards: a new layout moves shards between groups, so restart the level.
      await stopChildren(childIds());
      state.children = { kind, layout, started: [] };
    }
    const desired = range(0, kind === 'group' ? fan.groupCount : shardCount);
    const surplus = missingFrom(state.children.started, desired);
    if (surplus.length > 0) {
      await stopChildren(childIds(surplus));
      state.children.started = state.children.started.filter((i) => !surplus.includes(i));
    }
    const missing = missingFrom(desired, state.children.started);
    await startChildren(missing.map((i) => (kind === 'group' ? groupChild(owner, i, groupShards(i, fan, shardCount)) : shardChild(owner, i))));
    state.children.started.push(...missing);
    return missing;
  }

  const requested = () => deregistered || pending.check || pending.reload || pending.refreshAll || pending.wake;
  for (;;) {
    const retry = retryAt();
    if (retry === null) await condition(requested);
    else await condition(requested, Math.max(1, retry - Date.now()));
    if (deregistered) break;

    if (pending.check || pending.reload || (retry !== null && Date.now() >= retry)) {
      const force = pending.reload;
      pending.check = pending.reload = false;
      if (await checkMapping(force)) pending.wake = true;
    }
    const fresh = await reconcileChildren();
    if (pending.refreshAll) {
      pending.refreshAll = false;
      await control.markAllDue({ serviceId });
      pending.wake = true;
    }
    if (pending.wake) {
      pending.wake = false;
      // A child just started runs at once; only the ones already running need telling.
      await wakeChildren(childIds(missingFrom(state.children.started, fresh)));
    }
    setCurrentDetails(describeService(input.serviceName, status()));

    if (workflowInfo().continueAsNewSuggested || input.continueAsNewEveryIteration) {
      await condition(allHandlersFinished);
      if (deregistered) break;
      await continueAsNew<typeof serviceWorkflow>({ ...input, carried: state });
    }
  }

  await stopChildren(childIds());
  await control.purgeService({ serviceId });
  await condition(allHandlersFinished);
}

/** An activity failure's own message is generic; the cause says what went wrong. */
function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
