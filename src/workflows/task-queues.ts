/**
 * Task queues of the worker. Forced refreshes have a lane of their own: a customer waits on them,
 * and on the main queue they would wait for a free slot behind long batched delivery activities
 * (seconds at saturation, measured in docs/performance.md).
 */
export const forcedLane = (taskQueue: string): string => `${taskQueue}-forced`;
