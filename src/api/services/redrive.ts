/**
 * Redrive: the failing and expired nodes of a service (its dead letters) are made due now with a
 * fresh retry backoff, and the shards that own them are woken to deliver at once instead of at
 * the end of the backoff they were sleeping through.
 */
import { nodeStateSql } from '../../domain/node-state';
import { serviceWorkflowId } from '../../workflows/service/definitions';
import { shardWorkflowId, wakeSignal } from '../../workflows/shard/definitions';
import type { AppDeps } from '../deps';
import { isWorkflowNotFound } from '../temporal-errors';

/**
 * Up to this many shards are woken by the API one signal each; past it the service workflow wakes
 * all of its shards, from an activity, so a huge service costs the request one signal.
 */
const DIRECT_WAKE_LIMIT = 32;

/** Redrives the named nodes, or all, that are failing or expired; returns how many. */
export async function redriveNodes(deps: AppDeps, serviceId: string, nodeIds?: string[]): Promise<number> {
  const { rows } = await deps.db.pool.query<{ redriven: number; shards: number[] | null }>(
    `WITH redriven AS (
       UPDATE nodes SET next_due_at = $3, attempts = 0
        WHERE service_id = $1 AND ($2::text[] IS NULL OR node_id = ANY($2::text[]))
          AND (${nodeStateSql('failing', '$3')} OR ${nodeStateSql('expired', '$3')})
        RETURNING shard)
     SELECT count(*)::int AS redriven, array_agg(DISTINCT shard) AS shards FROM redriven`,
    [serviceId, nodeIds ?? null, new Date()],
  );
  const shards = rows[0]?.shards ?? [];
  const workflowIds = shards.length <= DIRECT_WAKE_LIMIT ? shards.map((shard) => shardWorkflowId(serviceId, shard)) : [serviceWorkflowId(serviceId)];
  await Promise.all(workflowIds.map((workflowId) => wake(deps, workflowId)));
  return rows[0]?.redriven ?? 0;
}

async function wake(deps: AppDeps, workflowId: string): Promise<void> {
  try {
    await deps.temporal.workflow.getHandle(workflowId).signal(wakeSignal);
  } catch (err) {
    // The rows are due either way: a workflow not running yet reads them when it starts, a running
    // one at its next planned wake-up. A lost signal delays the redrive; it does not lose it.
    if (!isWorkflowNotFound(err)) deps.logger.warn({ err, workflowId }, 'redrive: wake signal not delivered');
  }
}
