/**
 * The task queue of the work a customer waits on that must not queue behind bulk delivery runs:
 * mapping loads and a new shard's first, bounded run. Fairness orders queued tasks but cannot
 * pre-empt a running one, so this work has activity slots of its own (COURIER_QUICK_SLOTS) on
 * every worker; the bulk runs keep the task queue itself.
 */
export const quickTaskQueue = (taskQueue: string): string => `${taskQueue}-quick`;

/** Nodes a new shard's first run delivers on the quick queue; the rest follow on the bulk queue. */
export const FIRST_RUN_NODES = 100;
