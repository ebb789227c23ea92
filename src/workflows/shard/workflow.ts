import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { NODE_ID_PATTERN } from '../../domain/protocol';
import { emptyShardSummary, summaryChanged, type ShardSummary } from '../../domain/status';
import { DEFAULT_HEARTBEAT_MS, SUPERVISION_PATCH } from '../../domain/supervision';
import { deliveryFor, forcedDelivery } from '../activities';
import { childReportSignal } from '../service/definitions';
import { describeShard } from '../summaries';
import {
  refreshNodeUpdate,
  shardStatusQuery,
  stopSignal,
  wakeSignal,
  type RefreshNodeRequest,
  type ShardWorkflowInput,
} from './definitions';

/** With nothing due, a shard still looks again this often, in case a wake-up was missed. */
const IDLE_RECHECK_MS = 10 * 60_000;
/** After delivery activities themselves failed (database down, say), try again this soon. */
const ENGINE_RETRY_MS = 15_000;
/** Reports up are sent at most this often: a storm of retries must not flood the parent's history. */
const REPORT_MIN_INTERVAL_MS = 5_000;

/**
 * One shard of a service: sleeps until its earliest node is due (or a signal or forced refresh),
 * delivers every due node through batched activities, reports a summary up, and continues as new
 * when its history grows. It holds counts and a time, never a node list.
 */
export async function shardWorkflow(input: ShardWorkflowInput): Promise<void> {
  let summary: ShardSummary = input.summary ?? emptyShardSummary();
  let reported: ShardSummary | undefined = input.summary;
  let lastReportAt = 0;
  let wakeRequested = input.summary === undefined;
  let stopRequested = false;
  let nextWakeAt = input.summary?.nextRefreshAt ? Date.parse(input.summary.nextRefreshAt) : Date.now();

  setHandler(wakeSignal, () => {
    wakeRequested = true;
  });
  setHandler(stopSignal, () => {
    stopRequested = true;
  });
  setHandler(shardStatusQuery, () => summary);
  setHandler(
    refreshNodeUpdate,
    (request: RefreshNodeRequest) => forcedDelivery.deliverNode({ serviceId: input.serviceId, ...request }),
    { validator: validateRefreshNode },
  );

  // A new cycle time alone is not worth a report; new counts, failures or next refresh are.
  const reportPending = () => summaryChanged(reported, summary) || reported?.nextRefreshAt !== summary.nextRefreshAt;
  // Unchanged, a shard still reports once per heartbeat: its parent restarts a child it stops hearing from.
  const heartbeatMs = input.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const report = async () => {
    try {
      await getExternalWorkflowHandle(input.parentId).signal(childReportSignal, { child: input.reportAs, summary });
    } catch {
      // The parent has closed (service deleted): a stop signal is on its way.
    }
    reported = summary;
    lastReportAt = Date.now();
  };

  const cycle = async () => {
    const cycleAt = new Date(Date.now()).toISOString();
    try {
      const urgent = summary.counts.failing + summary.counts.expired > 0;
      const result = await deliveryFor(input.serviceId, urgent).deliverDue({ serviceId: input.serviceId, shard: input.shard });
      if (result.serviceGone) return false;
      summary = {
        counts: result.counts,
        nextRefreshAt: result.nextDueAt,
        lastCycleAt: cycleAt,
        failingNodes: result.failingNodes,
        engineError: null,
      };
      nextWakeAt = result.nextDueAt ? Date.parse(result.nextDueAt) : Date.now() + IDLE_RECHECK_MS;
    } catch (err) {
      summary = { ...summary, engineError: (err as Error).message };
      nextWakeAt = Date.now() + ENGINE_RETRY_MS;
    }
    setCurrentDetails(describeShard(input.shard, summary));
    return true;
  };

  while (!stopRequested) {
    const reportAt = lastReportAt + (reportPending() ? REPORT_MIN_INTERVAL_MS : Math.max(heartbeatMs, REPORT_MIN_INTERVAL_MS));
    const sleepMs = Math.min(Math.min(nextWakeAt, reportAt) - Date.now(), IDLE_RECHECK_MS);
    if (!wakeRequested && sleepMs > 0) await condition(() => wakeRequested || stopRequested, sleepMs);
    if (stopRequested) break;
    if (wakeRequested || Date.now() >= nextWakeAt) {
      wakeRequested = false;
      if (!(await cycle())) break;
    }
    const reportDue = reportPending() || (Date.now() - lastReportAt >= heartbeatMs && patched(SUPERVISION_PATCH));
    if (reportDue && Date.now() - lastReportAt >= REPORT_MIN_INTERVAL_MS) await report();

    if (workflowInfo().continueAsNewSuggested || input.continueAsNewEveryIteration) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof shardWorkflow>({
        ...input,
        summary: { ...summary, nextRefreshAt: new Date(nextWakeAt).toISOString() },
      });
    }
  }
  await condition(allHandlersFinished);
}

function validateRefreshNode(request: RefreshNodeRequest): void {
  if (!NODE_ID_PATTERN.test(request.nodeId)) {
    throw ApplicationFailure.nonRetryable(`node id '${request.nodeId.slice(0, 80)}' is not 1-253 characters of [A-Za-z0-9._:-]`);
  }
}
