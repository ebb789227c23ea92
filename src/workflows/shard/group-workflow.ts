import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { mergeSummaries, type ShardSummary } from '../../domain/status';
import { missingFrom, range, shardStart, startChildren, stopChildren, wakeChildren } from '../children';
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
    reportPending = true;
  });
  setHandler(shardStatusQuery, () => mergeSummaries(Object.values(summaries)));

  const owner = {
    serviceId: input.serviceId,
    customerId: input.customerId,
    parentId: shardGroupWorkflowId(input.serviceId, input.group),
    continueAsNewEveryIteration: input.continueAsNewEveryIteration,
  };
  const toStart = missingFrom(range(input.firstShard, input.endShard), started);
  await startChildren(toStart.map((shard) => shardStart(owner, shard)));
  started.push(...toStart);
  const shardIds = () => started.map((shard) => shardWorkflowId(input.serviceId, shard));

  while (!stopRequested) {
    const wakeUp = () => stopRequested || wakeRequested;
    if (reportPending) await condition(wakeUp, Math.max(1, lastForwardAt + FORWARD_EVERY_MS - Date.now()));
    else await condition(() => wakeUp() || reportPending);
    if (stopRequested) break;
    if (wakeRequested) {
      wakeRequested = false;
      await wakeChildren(shardIds());
    }
    if (reportPending && Date.now() - lastForwardAt >= FORWARD_EVERY_MS) {
      reportPending = false;
      lastForwardAt = Date.now();
      const merged = mergeSummaries(Object.values(summaries));
      setCurrentDetails(describeShard(input.firstShard, merged));
      await getExternalWorkflowHandle(input.parentId).signal(childReportSignal, { child: input.group, summary: merged });
    }
    if (workflowInfo().continueAsNewSuggested || input.continueAsNewEveryIteration) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof shardGroupWorkflow>({ ...input, carried: { started, summaries } });
    }
  }
  await stopChildren(shardIds());
  await condition(allHandlersFinished);
}
