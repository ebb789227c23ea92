import { allHandlersFinished, condition, continueAsNew, log, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { notifications } from '../activities';
import { dispatchNowSignal, type NotifierInput } from './definitions';

/** After the dispatch activity itself failed (database down, say), wait this long before the next. */
const FAILURE_BACKOFF_MS = 30_000;

/**
 * The entity loop of notifications: every tick, one activity folds pending alert events into
 * notifications and sends what is due on each channel. All state is in PostgreSQL, so the loop
 * carries nothing and continues as new whenever Temporal suggests it.
 */
export async function notifierWorkflow(input: NotifierInput): Promise<void> {
  let dispatchRequested = false;
  setHandler(dispatchNowSignal, () => {
    dispatchRequested = true;
  });

  for (;;) {
    dispatchRequested = false;
    try {
      await notifications.dispatchNotifications();
    } catch (err) {
      // Retries are spent; the next ticks try again, and the pending events wait in the database.
      log.warn('notification dispatch failed; trying again after a back-off', { error: (err as Error).message, backoffMs: FAILURE_BACKOFF_MS });
      await sleep(FAILURE_BACKOFF_MS);
    }
    await condition(() => dispatchRequested, input.everySeconds * 1000);
    if (workflowInfo().continueAsNewSuggested || input.continueAsNewEveryIteration) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof notifierWorkflow>(input);
    }
  }
}
