/**
 * How many workers poll this task queue for activities, as Temporal sees them: the divisor that
 * turns a customer's metadata-source limit into each worker's share (source-limiter.ts).
 */
import type { Client } from '@temporalio/client';

/**
 * A poller seen this recently is live. An idle worker's long poll lasts about a minute before it
 * polls again; a worker that died still counts until this has passed, which only lowers the
 * shares meanwhile (the limit holds, the source is used less).
 */
const LIVE_WITHIN_MS = 120_000;
/** Temporal's TaskQueueKind NORMAL and TaskQueueType ACTIVITY (numeric: @temporalio/proto is not a dependency of ours). */
const KIND_NORMAL = 1;
const TYPE_ACTIVITY = 2;
const CALL_DEADLINE_MS = 3000;

export interface LiveWorkers {
  /** This worker and the others polling: at least 1. */
  count(): number;
  /** The others alone: 0 tells a `workflows` worker that no worker takes the bulk runs. */
  others(): number;
  /** Settles once the first count is in (or failed): before it, this worker would count alone. */
  ready: Promise<void>;
  /** Resolves once no call to Temporal is left in flight. */
  stop(): Promise<void>;
}

export function watchLiveWorkers(options: {
  temporal: Client;
  namespace: string;
  taskQueue: string;
  /** This worker's identity (Worker.create's `identity`): counted whether it polls yet or not. */
  identity: string;
  everyMs: number;
  onError: (err: unknown) => void;
}): LiveWorkers {
  let others = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const refresh = async () => {
    try {
      // A deadline ends the client's retries; stop() waits for them, so none outlives the connection.
      const { pollers } = await options.temporal.withDeadline(Date.now() + CALL_DEADLINE_MS, () =>
        options.temporal.workflowService.describeTaskQueue({
          namespace: options.namespace,
          taskQueue: { name: options.taskQueue, kind: KIND_NORMAL },
          taskQueueType: TYPE_ACTIVITY,
        }),
      );
      const since = Date.now() - LIVE_WITHIN_MS;
      const live = new Set((pollers ?? []).filter((p) => secondsOf(p.lastAccessTime) * 1000 >= since).map((p) => p.identity));
      live.delete(options.identity);
      others = live.size;
    } catch (err) {
      // Temporal away: the last count stands.
      options.onError(err);
    }
  };
  const tick = () => {
    inFlight = inFlight.then(refresh);
  };
  tick();
  const ready = inFlight;
  const timer = setInterval(tick, options.everyMs);
  timer.unref();
  return {
    count: () => others + 1,
    others: () => others,
    ready,
    stop: async () => {
      clearInterval(timer);
      await inFlight;
    },
  };
}

function secondsOf(ts: { seconds?: { toNumber(): number } | number | null } | null | undefined): number {
  const seconds = ts?.seconds;
  if (seconds === null || seconds === undefined) return 0;
  return typeof seconds === 'number' ? seconds : seconds.toNumber();
}
