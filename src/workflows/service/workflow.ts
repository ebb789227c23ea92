import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { fanOutFor, groupShards } from '../../domain/sharding';
import { DEFAULT_HEARTBEAT_MS } from '../../domain/supervision';
import { emptyMappingStatus, mergeSummaries, type ServiceState, type ServiceStatus } from '../../domain/status';
import { control, mappingFor } from '../activities';
import { groupStart, missingFrom, range, shardStart, startChildren, stopChildren, superviseChildren, wakeChildren, type Owner } from '../children';
import { shardGroupWorkflowId, shardWorkflowId, wakeSignal } from '../shard/definitions';
import { describeService } from '../summaries';
import {
  childReportSignal,
  deregisterSignal,
  refreshAllSignal,
  reloadMappingSignal,
  serviceChangedSignal,
  serviceStatusQuery,
  serviceWorkflowId,
  type ServiceCarriedState,
  type ServiceWorkflowInput,
} from './definitions';

/**
 * One registered service, for as long as it is registered: keeps its mapping current, keeps one
 * shard workflow per shard running (through shard groups for huge services), routes refresh-all
 * and config changes to them, answers status, and on deregistration stops them and purges rows.
 */
export async function serviceWorkflow(input: ServiceWorkflowInput): Promise<void> {
  const { serviceId, settings } = input;
  const state: ServiceCarriedState = input.carried ?? {
    mapping: emptyMappingStatus(),
    lastSeenEtag: null,
    shardCount: 0,
    children: { kind: 'shard', layout: 'direct', started: [], summaries: {} },
    refreshAllPending: false,
  };
  const checkEveryMs = settings.mappingCheckSeconds * 1000;
  let nextCheckAt = input.carried ? Date.now() + checkEveryMs : Date.now();
  let reloadRequested = false;
  let wakeRequested = false;
  let deregistered = false;

  setHandler(reloadMappingSignal, () => {
    reloadRequested = true;
  });
  setHandler(refreshAllSignal, () => {
    state.refreshAllPending = true;
  });
  setHandler(serviceChangedSignal, ({ mappingChanged }) => {
    reloadRequested ||= mappingChanged;
    wakeRequested = true;
  });
  // Nodes were made due (a redrive of many shards): every shard re-plans now.
  setHandler(wakeSignal, () => {
    wakeRequested = true;
  });
  setHandler(deregisterSignal, () => {
    deregistered = true;
  });
  setHandler(childReportSignal, ({ child, summary }) => {
    if (!state.children.started.includes(child)) return;
    state.children.summaries[child] = summary;
    (state.children.lastHeard ??= {})[child] = Date.now();
  });
  setHandler(serviceStatusQuery, () => status());

  const owner: Owner = {
    serviceId,
    customerId: input.customerId,
    parentId: serviceWorkflowId(serviceId),
    heartbeatMs: (settings.childHeartbeatSeconds ?? DEFAULT_HEARTBEAT_MS / 1000) * 1000,
    continueAsNewEveryIteration: input.continueAsNewEveryIteration,
  };
  const childIds = (indices = state.children.started) =>
    indices.map((i) => (state.children.kind === 'group' ? shardGroupWorkflowId(serviceId, i) : shardWorkflowId(serviceId, i)));

  function status(): ServiceStatus {
    const merged = mergeSummaries(Object.values(state.children.summaries));
    return {
      serviceId,
      state: serviceState(merged.engineError),
      mapping: state.mapping,
      shardCount: state.shardCount,
      nodes: merged.counts,
      nextRefreshAt: merged.nextRefreshAt,
      lastCycleAt: merged.lastCycleAt,
      failingNodes: merged.failingNodes,
    };
  }

  function serviceState(engineError: string | null): ServiceState {
    if (deregistered) return 'deleting';
    const m = state.mapping;
    if (m.loadedAt === null && m.error === null && m.held === null) return 'loading';
    return m.error || m.held || engineError ? 'degraded' : 'active';
  }

  /** Reads the mapping if it changed (or when forced); true when the node set or shards changed. */
  async function checkMapping(force: boolean): Promise<boolean> {
    const checkedAt = new Date(Date.now()).toISOString();
    try {
      const r = await mappingFor(serviceId).loadMapping({ serviceId, knownEtag: force ? state.mapping.etag : state.lastSeenEtag, force });
      state.lastSeenEtag = r.etag;
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
      state.mapping = { ...state.mapping, error: failureMessage(err), checkedAt };
      return false;
    }
  }

  /** Starts and stops children until they match the shard count. */
  async function reconcileChildren(): Promise<void> {
    const shardCount = Math.max(1, state.shardCount);
    const fan = fanOutFor(shardCount, settings.maxChildren);
    const kind = fan.groupCount > 0 ? 'group' : 'shard';
    const layout = kind === 'group' ? `${shardCount} shards in ${fan.groupCount} groups` : 'direct';
    const children = state.children;
    if (children.layout !== layout && (kind === 'group' || children.kind === 'group')) {
      // Groups own ranges of shards: a new layout moves shards between groups, so restart the level.
      await stopChildren(childIds());
      state.children = { kind, layout, started: [], summaries: {}, lastHeard: {} };
    }
    const desired = range(0, kind === 'group' ? fan.groupCount : shardCount);
    const surplus = missingFrom(state.children.started, desired);
    if (surplus.length > 0) {
      await stopChildren(childIds(surplus));
      state.children.started = state.children.started.filter((i) => !surplus.includes(i));
      for (const i of surplus) delete state.children.summaries[i];
    }
    const missing = missingFrom(desired, state.children.started);
    const startOf = (i: number) => (kind === 'group' ? groupStart(owner, i, groupShards(i, fan, shardCount)) : shardStart(owner, i));
    await startChildren(missing.map(startOf));
    state.children.started.push(...missing);
    // A child that stopped reporting (terminated by hand, failed) is started again.
    await superviseChildren(state.children.started, (state.children.lastHeard ??= {}), owner.heartbeatMs, startOf);
  }

  for (;;) {
    await condition(
      () => deregistered || reloadRequested || wakeRequested || state.refreshAllPending,
      Math.max(1, nextCheckAt - Date.now()),
    );
    if (deregistered) break;

    if (reloadRequested || Date.now() >= nextCheckAt) {
      const force = reloadRequested;
      reloadRequested = false;
      nextCheckAt = Date.now() + checkEveryMs;
      if (await checkMapping(force)) wakeRequested = true;
    }
    await reconcileChildren();
    if (state.refreshAllPending) {
      state.refreshAllPending = false;
      await control.markAllDue({ serviceId });
      wakeRequested = true;
    }
    if (wakeRequested) {
      wakeRequested = false;
      await wakeChildren(childIds());
    }
    setCurrentDetails(describeService(input.serviceName, status()));

    if (workflowInfo().continueAsNewSuggested || input.continueAsNewEveryIteration) {
      await condition(allHandlersFinished);
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
