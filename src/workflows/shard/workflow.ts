import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { NODE_ID_PATTERN } from '../../domain/node-id';
import { FIRST_RUN_NODES } from '../../domain/task-queues';
import { deliveryFor, firstDeliveryFor, forcedRefresh } from '../activities';
import { describeShard } from '../summaries';
import {
  forcedRefreshUpdate,
  shardStatusQuery,
  stopSignal,
  wakeSignal,
  type ForcedRefreshRequest,
  type ShardState,
  type ShardWorkflowInput,
} from './definitions';

/** After delivery activities themselves failed (database down, say), try again this soon. */
const ENGINE_RETRY_MS = 15_000;

/**
 * One shard of a service: sleeps until its earliest node is due (or a wake-up, a stop, a forced
 * refresh), delivers every due node through one batched activity, and continues as new when its
 * history grows. A healthy cycle is one timer and one activity; it holds counts and a time, never
 * a node list. The run leaves the shard's summary in PostgreSQL, where status and the fleet read
 * it, so the shard reports to nobody; a shard that stops running is noticed there (its next due
 * time passes) and started again by the fleet's reconciler.
 */
export async function shardWorkflow(input: ShardWorkflowInput): Promise<void> {
  const state: ShardState = { counts: null, nextDueAt: input.nextDueAt === undefined ? nowIso() : input.nextDueAt, lastRunAt: null, engineError: null };
  let wakeRequested = input.wakePending ?? false;
  let stopRequested = false;

  setHandler(wakeSignal, () => {
    wakeRequested = true;
  });
  setHandler(stopSignal, () => {
    stopRequested = true;
  });
  setHandler(shardStatusQuery, () => state);
  setHandler(
    forcedRefreshUpdate,
    (request: ForcedRefreshRequest) => forcedRefresh.deliverNode({ serviceId: input.serviceId, ...request }),
    { validator: validateForcedRefresh },
  );

  // A service's first shard, started afresh (not continued as new), begins with a short run on
  // the quick queue: its first ack does not wait for bulk runs. Only the first: a big service's
  // other shards taking the quick slots too would make the next new service wait behind them.
  // patched() comes first so that every new shard, shard 0 too, records the patch's marker.
  let firstRun = input.nextDueAt === undefined && (!patched('quick-first-run-shard-0-only') || input.shard === 0);

  /** One delivery run; false when the service is gone. */
  const run = async (): Promise<boolean> => {
    state.lastRunAt = nowIso();
    const target = { serviceId: input.serviceId, shard: input.shard };
    try {
      const result = firstRun
        ? await firstDeliveryFor(input.customerId).deliverDue({ ...target, maxNodes: FIRST_RUN_NODES })
        : await deliveryFor(input.customerId).deliverDue(target);
      if (result.serviceGone) return false;
      Object.assign(state, { counts: result.counts, nextDueAt: result.nextDueAt, engineError: null });
    } catch (err) {
      Object.assign(state, { nextDueAt: new Date(Date.now() + ENGINE_RETRY_MS).toISOString(), engineError: (err as Error).message });
    } finally {
      firstRun = false;
    }
    setCurrentDetails(describeShard(input.shard, state));
    return true;
  };

  const woken = () => wakeRequested || stopRequested;
  while (!stopRequested) {
    const dueAt = state.nextDueAt === null ? null : Date.parse(state.nextDueAt);
    if (!wakeRequested && (dueAt === null || dueAt > Date.now())) {
      if (dueAt === null) await condition(woken);
      else await condition(woken, dueAt - Date.now());
    }
    if (stopRequested) break;
    wakeRequested = false;
    if (!(await run())) break;

    if (workflowInfo().continueAsNewSuggested || input.continueAsNewEveryIteration) {
      await condition(allHandlersFinished);
      if (stopRequested) break;
      await continueAsNew<typeof shardWorkflow>({ ...input, nextDueAt: state.nextDueAt, wakePending: wakeRequested });
    }
  }
  await condition(allHandlersFinished);
}

const nowIso = () => new Date(Date.now()).toISOString();

function validateForcedRefresh(request: ForcedRefreshRequest): void {
  if (!NODE_ID_PATTERN.test(request.nodeId)) {
    throw ApplicationFailure.nonRetryable(`node id '${request.nodeId.slice(0, 80)}' is not 1-253 characters of [A-Za-z0-9._:-]`);
  }
}
