import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { missingFrom, range, shardChild, startChildren, stopChildren, wakeChildren } from '../children';
import { shardWorkflowId, stopSignal, wakeSignal, type ShardGroupWorkflowInput } from './definitions';

/**
 * The middle level of a huge service: starts, wakes and stops a contiguous range of shards, so
 * that no workflow has more children than it should. Between those it waits on signals alone.
 */
export async function shardGroupWorkflow(input: ShardGroupWorkflowInput): Promise<void> {
  const started = input.carried?.started ?? [];
  let wakeRequested = input.carried?.wakePending ?? false;
  let stopRequested = false;

  setHandler(stopSignal, () => {
    stopRequested = true;
  });
  setHandler(wakeSignal, () => {
    wakeRequested = true;
  });

  const toStart = missingFrom(range(input.firstShard, input.endShard), started);
  await startChildren(toStart.map((shard) => shardChild(input, shard)));
  started.push(...toStart);
  const shardIds = () => started.map((shard) => shardWorkflowId(input.serviceId, shard));

  while (!stopRequested) {
    await condition(() => stopRequested || wakeRequested);
    if (stopRequested) break;
    wakeRequested = false;
    await wakeChildren(shardIds());
    if (workflowInfo().continueAsNewSuggested || input.continueAsNewEveryIteration) {
      await condition(allHandlersFinished);
      if (stopRequested) break;
      await continueAsNew<typeof shardGroupWorkflow>({ ...input, carried: { started, wakePending: wakeRequested } });
    }
  }
  await stopChildren(shardIds());
  await condition(allHandlersFinished);
}
