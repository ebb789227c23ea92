/** The notifier workflow family: one per task queue, telling customers what the engine recorded. */
import { defineSignal } from '@temporalio/workflow';

export const NOTIFIER_WORKFLOW_TYPE = 'notifierWorkflow';

/** One notifier per task queue, so each deployment (and each test's worker) runs its own. */
export const notifierWorkflowId = (taskQueue: string): string => `courier:notifier:${taskQueue}`;

export interface NotifierInput {
  /** How often pending alert events are folded into notifications and channels are sent. */
  everySeconds: number;
  continueAsNewEveryIteration?: boolean;
}

/** Run a dispatch now instead of at the next tick (tests, operators after fixing a channel). */
export const dispatchNowSignal = defineSignal('dispatchNow');

export function notifierStartOptions(input: NotifierInput, taskQueue: string) {
  return {
    workflowId: notifierWorkflowId(taskQueue),
    taskQueue,
    args: [input] as [NotifierInput],
  };
}
