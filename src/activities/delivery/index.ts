import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { Dispatcher } from 'undici';
import { batchWindowMs, type RetryTiming } from '../../domain/deadlines';
import type { Keyring } from '../../domain/secret-box';
import type { WorkerMetrics } from '../../observability/worker-metrics';
import type { CourierActivities, DeliverDueInput, DeliverDueResult, ForcedRefreshInput } from '../types';
import { attemptBatch, type AttemptDeps } from '../../engine/delivery/attempt';
import { summarizeShard } from '../../store/shard-summaries';
import { recordAttempts, selectDueNodes, upsertForcedNode, type AttemptRecord } from '../../engine/delivery/node-store';
import { recordServiceAlert } from '../alert-events';
import { AttemptWriter } from './attempt-writer';
import type { SourceLimiter } from '../../engine/delivery/source-limiter';
import { readDeliverySettings, type DeliverySettings } from '../../engine/delivery/service-settings';

/**
 * Nodes that hang until their timeout can hold a batch for a while, so a run beats on a timer:
 * the heartbeat timeout then measures whether the worker is alive, not how slow the nodes are.
 */
const HEARTBEAT_EVERY_MS = 2_000;

/**
 * A node that fails is retried inside the same run while its backoff is this short, at most
 * QUICK_RETRY_PASSES times: a blip costs a second or two of the run, not a shard cycle each.
 */
const QUICK_RETRY_MS = 5_000;
const QUICK_RETRY_PASSES = 2;

export interface DeliveryDeps {
  pool: Pool;
  dispatchers: { bulk: Dispatcher; forcedRefresh: Dispatcher };
  /** Nodes read, attempted and written back per round trip. */
  batchSize: number;
  concurrency: number;
  secondaryAfterAttempts: number;
  /** A run returns after this long even with nodes still due, so its shard can report and re-plan. */
  maxRunMs: number;
  retry: RetryTiming;
  sourceLimiter: SourceLimiter;
  metrics: WorkerMetrics;
  /** Opens the services' sealed signing secrets and signs pull tokens. */
  keyring: Keyring;
}

interface Progress {
  delivered: number;
  failed: number;
  /** The metadata source's last error in this run, told once per run rather than per node. */
  sourceProblem?: string;
}

export function createDeliveryActivities(deps: DeliveryDeps): Pick<CourierActivities, 'deliverDue' | 'deliverNode'> {
  const attemptDeps = (dispatcher: Dispatcher): AttemptDeps => {
    const signal = Context.current().cancellationSignal;
    // Every request in flight listens for cancellation on this one signal.
    setMaxListeners(deps.concurrency + 16, signal);
    return {
      dispatcher,
      concurrency: deps.concurrency,
      secondaryAfterAttempts: deps.secondaryAfterAttempts,
      now: () => new Date(),
      random: Math.random,
      signal,
      retry: deps.retry,
      sourceLimiter: deps.sourceLimiter,
      keyring: deps.keyring,
    };
  };

  const observe = (record: AttemptRecord, seconds: number): void => {
    const outcome = record.failure ? 'failed' : 'acked';
    deps.metrics.deliveries.inc(record.failure ? { outcome, reason: record.failure.reason } : { outcome });
    deps.metrics.deliveryAttemptSeconds.observe({ outcome }, seconds);
  };

  /**
   * Batch after batch until no node of the shard is due, then a pass or two more for the nodes
   * that failed with a short backoff. Progress is written per batch, so a retry after a crash
   * redoes only the nodes not yet acked.
   */
  async function deliverRounds(settings: DeliverySettings, shard: number, maxNodes: number, progress: Progress): Promise<void> {
    const runStartedAt = Date.now();
    const window = batchWindowMs(settings.refreshBeforeSeconds);
    const budget = (): number =>
      Date.now() - runStartedAt < deps.maxRunMs ? Math.min(deps.batchSize, maxNodes - progress.delivered - progress.failed) : 0;
    for (let pass = 0; budget() > 0; pass++) {
      const soonestRetry = await deliverPass(settings, shard, window, budget, progress);
      const wait = soonestRetry - window - Date.now();
      if (pass >= QUICK_RETRY_PASSES || wait > QUICK_RETRY_MS - window) return;
      if (wait > 0) await Context.current().sleep(wait);
    }
  }

  /**
   * Delivers the due nodes not attempted since the pass began, a batch at a time while `budget`
   * (nodes the run may still attempt in one batch) allows; returns the soonest retry it scheduled.
   */
  async function deliverPass(
    settings: DeliverySettings,
    shard: number,
    window: number,
    budget: () => number,
    progress: Progress,
  ): Promise<number> {
    const passStartedAt = new Date();
    let soonestRetry = Infinity;
    for (let limit = budget(); limit > 0; limit = budget()) {
      const nodes = await selectDueNodes(deps.pool, {
        serviceId: settings.serviceId,
        shard,
        dueBy: new Date(Date.now() + window),
        runStartedAt: passStartedAt,
        limit,
      });
      if (nodes.length === 0) break;
      const writer = new AttemptWriter(deps.pool, settings.serviceId);
      await attemptBatch(nodes, settings, attemptDeps(deps.dispatchers.bulk), (record, seconds) => {
        if (record.acked) progress.delivered++;
        else {
          progress.failed++;
          soonestRetry = Math.min(soonestRetry, record.nextDueAt.getTime());
        }
        if (record.failure?.reason === 'metadata_unavailable') progress.sourceProblem = record.failure.message;
        observe(record, seconds);
        writer.add(record);
      });
      await writer.close();
    }
    return soonestRetry;
  }

  return {
    async deliverDue({ serviceId, shard, maxNodes = Infinity }: DeliverDueInput): Promise<DeliverDueResult> {
      const settings = await readDeliverySettings(deps.pool, serviceId, deps.keyring);
      if (!settings) return goneResult();
      const ctx = Context.current();
      const progress: Progress = { delivered: 0, failed: 0 };
      const beat = setInterval(() => ctx.heartbeat(progress), HEARTBEAT_EVERY_MS);
      try {
        await deliverRounds(settings, shard, maxNodes, progress);
      } finally {
        clearInterval(beat);
      }
      if (progress.sourceProblem) await recordServiceAlert(deps.pool, serviceId, 'source_unavailable', progress.sourceProblem);
      const picture = await summarizeShard(deps.pool, serviceId, shard, new Date());
      deps.metrics.lastCycle.setToCurrentTime();
      return {
        delivered: progress.delivered,
        failed: progress.failed,
        counts: picture.counts,
        nextDueAt: picture.nextDueAt?.toISOString() ?? null,
        serviceGone: false,
      };
    },

    /** A forced refresh: one node, known or new, delivered now with freshly fetched metadata. */
    async deliverNode({ serviceId, nodeId, endpoint }: ForcedRefreshInput) {
      const target = await upsertForcedNode(deps.pool, deps.keyring, { serviceId, nodeId, endpoint: endpoint ?? null });
      if (!target) throw ApplicationFailure.nonRetryable(`service ${serviceId} is gone`, 'ServiceGone');
      const { settings, node } = target;
      const [record] = await attemptBatch([node], settings, attemptDeps(deps.dispatchers.forcedRefresh), observe);
      if (!record) throw new Error(`no attempt recorded for node ${nodeId}`);
      await recordAttempts(deps.pool, serviceId, [record]);
      return {
        nodeId,
        acked: record.acked !== null,
        version: record.acked?.version ?? null,
        deliveredAt: record.acked?.deliveredAt.toISOString() ?? null,
        expiresAt: record.acked?.expiresAt.toISOString() ?? null,
        error: record.failure?.message ?? null,
      };
    },
  };
}

const goneResult = (): DeliverDueResult => ({
  delivered: 0,
  failed: 0,
  counts: { total: 0, fresh: 0, pending: 0, failing: 0, expired: 0 },
  nextDueAt: null,
  serviceGone: true,
});
