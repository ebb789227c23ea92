import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, patched, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { mergeSummaries, type ShardSummary } from '../../domain/status';
import { DEFAULT_HEARTBEAT_MS, SUPERVISION_PATCH } from '../../domain/supervision';
import { missingFrom, range, shardStart, startChildren, stopChildren, superviseChildren, wakeChildren } from '../children';
import { childReportSignal } from '../service/definitions';
import { describeShard } from '../summaries';
import { shardGroupWorkflowId, shardStatusQuery, shardWorkflowId, stopSignal, wakeSignal, type ShardGroupWorkflowInput } from './definitions';

/** Reports from many shards are folded into one report up at most this often. */
const FORWARD_EVERY_MS = 5_000;

/**
 * The middle level of a huge service: supervises a contiguous range of shards, so that no
 * workflow has more children than it should, and folds their reports into one.
 */
export async function shardGroupWorkflow(input: ShardGroupWorkflowInput): Promise<void> {
  const started = input.carried?.started ?? [];
  const summaries: Record<string, ShardSummary> = input.carried?.summaries ?? {};
  const lastHeard: Record<string, number> = input.carried?.lastHeard ?? {};
  const heartbeatMs = input.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let stopRequested = false;
  let wakeRequested = false;
  let reportPending = false;
  let lastForwardAt = 0;

  setHandler(stopSignal, () => {
    stopRequested = true;
  });
  setHandler(wakeSignal, () => {
    wakeRequested = true;
  });
  setHandler(childReportSignal, ({ child, summary }) => {
    summaries[child] = summary;
    lastHeard[child] = Date.now();
    reportPending = true;
  });
  setHandler(shardStatusQuery, () => mergeSummaries(Object.values(summaries)));

  const owner = {
    serviceId: input.serviceId,
    customerId: input.customerId,
    parentId: shardGroupWorkflowId(input.serviceId, input.group),
    heartbeatMs,
    continueAsNewEveryIteration: input.continueAsNewEveryIteration,
  };
  const toStart = missingFrom(range(input.firstShard, input.endShard), started);
  await startChildren(toStart.map((shard) => shardStart(owner, shard)));
  started.push(...toStart);
  const shardIds = () => started.map((shard) => shardWorkflowId(input.serviceId, shard));

  while (!stopRequested) {
    const wakeUp = () => stopRequested || wakeRequested;
    if (reportPending) await condition(wakeUp, Math.max(1, lastForwardAt + FORWARD_EVERY_MS - Date.now()));
    else if (patched(SUPERVISION_PATCH)) await condition(() => wakeUp() || reportPending, heartbeatMs);
    else await condition(() => wakeUp() || reportPending);
    if (stopRequested) break;
    if (wakeRequested) {
      wakeRequested = false;
      await wakeChildren(shardIds());
    }
    await superviseChildren(started, lastHeard, heartbeatMs, (shard) => shardStart(owner, shard));
    // Forwarded at least once per heartbeat, changed or not: the service supervises groups by it.
    const forwardDue = reportPending || (patched(SUPERVISION_PATCH) && Date.now() - lastForwardAt >= heartbeatMs);
    if (forwardDue && Date.now() - lastForwardAt >= FORWARD_EVERY_MS) {
      reportPending = false;
      lastForwardAt = Date.now();
      const merged = mergeSummaries(Object.values(summaries));
      setCurrentDetails(describeShard(input.firstShard, merged));
      await getExternalWorkflowHandle(input.parentId).signal(childReportSignal, { child: input.group, summary: merged });
    }
    if (workflowInfo().continueAsNewSuggested || input.continueAsNewEveryIteration) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof shardGroupWorkflow>({ ...input, carried: { started, summaries, lastHeard } });
    }
  }
  await stopChildren(shardIds());
  await condition(allHandlersFinished);
}
