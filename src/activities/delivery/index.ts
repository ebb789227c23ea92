import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type { Dispatcher } from 'undici';
import { batchWindowMs } from '../../domain/deadlines';
import type { CourierActivities, DeliverDueInput, DeliverDueResult, DeliverNodeInput } from '../types';
import { attemptBatch, type AttemptDeps } from './attempt';
import { readShardPicture, recordAttempts, selectDueNodes, upsertForcedNode } from './node-store';
import { readDeliverySettings } from './service-settings';

export interface DeliveryDeps {
  pool: Pool;
  dispatcher: Dispatcher;
  /** Nodes read, attempted and written back per round trip. */
  batchSize: number;
  concurrency: number;
  /** A run returns after this long even with nodes still due, so its shard can report and re-plan. */
  maxRunMs: number;
}

export function createDeliveryActivities(deps: DeliveryDeps): Pick<CourierActivities, 'deliverDue' | 'deliverNode'> {
  const attemptDeps = (): AttemptDeps => ({
    dispatcher: deps.dispatcher,
    concurrency: deps.concurrency,
    now: () => new Date(),
    random: Math.random,
    signal: Context.current().cancellationSignal,
  });

  return {
    /**
     * Deliver to every node of the shard that is due, batch after batch. Progress is written per
     * batch, so a retry after a crash picks up only the nodes not yet acked.
     */
    async deliverDue({ serviceId, shard }: DeliverDueInput): Promise<DeliverDueResult> {
      const ctx = Context.current();
      const settings = await readDeliverySettings(deps.pool, serviceId);
      if (!settings) return goneResult();
      const runStartedAt = new Date();
      const window = batchWindowMs(settings.refreshBeforeSeconds);
      let delivered = 0;
      let failed = 0;
      for (;;) {
        const nodes = await selectDueNodes(deps.pool, {
          serviceId,
          shard,
          dueBy: new Date(Date.now() + window),
          runStartedAt,
          limit: deps.batchSize,
        });
        if (nodes.length === 0) break;
        const records = await attemptBatch(nodes, settings, attemptDeps());
        await recordAttempts(deps.pool, serviceId, records);
        const acked = records.filter((r) => r.acked).length;
        delivered += acked;
        failed += records.length - acked;
        ctx.heartbeat({ delivered, failed });
        if (Date.now() - runStartedAt.getTime() > deps.maxRunMs) break;
      }
      const picture = await readShardPicture(deps.pool, serviceId, shard, new Date());
      return {
        delivered,
        failed,
        counts: picture.counts,
        nextDueAt: picture.nextDueAt?.toISOString() ?? null,
        failingNodes: picture.failingNodes,
        serviceGone: false,
      };
    },

    /** A forced refresh: one node, known or new, delivered now with freshly fetched metadata. */
    async deliverNode({ serviceId, nodeId, endpoint }: DeliverNodeInput) {
      const settings = await readDeliverySettings(deps.pool, serviceId);
      if (!settings) throw ApplicationFailure.nonRetryable(`service ${serviceId} is gone`, 'ServiceGone');
      const node = await upsertForcedNode(deps.pool, {
        serviceId,
        nodeId,
        endpoint: endpoint ?? null,
        shardCount: settings.shardCount,
      });
      const [record] = await attemptBatch([node], settings, attemptDeps());
      if (!record) throw new Error(`no attempt recorded for node ${nodeId}`);
      await recordAttempts(deps.pool, serviceId, [record]);
      return {
        nodeId,
        acked: record.acked !== null,
        version: record.acked?.version ?? null,
        deliveredAt: record.acked?.deliveredAt.toISOString() ?? null,
        expiresAt: record.acked?.expiresAt.toISOString() ?? null,
        error: record.error,
      };
    },
  };
}

const goneResult = (): DeliverDueResult => ({
  delivered: 0,
  failed: 0,
  counts: { total: 0, fresh: 0, pending: 0, failing: 0, expired: 0 },
  nextDueAt: null,
  failingNodes: [],
  serviceGone: true,
});
