import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { mapConcurrent } from '../../domain/concurrency';
import { SHARD_WORKFLOW_TYPE, shardWorkflowOptions, wakeSignal } from '../../workflows/shard/definitions';

/** Shards restarted per turn; a bigger backlog takes a few turns. */
const RECONCILE_LIMIT = 1_000;
const SIGNAL_CONCURRENCY = 32;

/**
 * Shards that missed their run: the summary their last run left says they were due more than
 * `graceMs` ago, and no run has written it since. Such a shard was terminated, failed, or is
 * stuck behind a backlog: signal-with-start wakes a live one and starts a gone one again (from
 * the database, where its state is). A healthy fleet has none, so this costs one indexed query.
 */
export async function reconcileShards(
  deps: { pool: Pool; temporal: Client },
  q: { taskQueue: string; graceMs: number },
): Promise<number> {
  const { rows } = await deps.pool.query<{ serviceId: string; customerId: string; shard: number }>(
    `SELECT ss.service_id AS "serviceId", s.customer_id AS "customerId", ss.shard
       FROM shard_summaries ss JOIN services s ON s.id = ss.service_id
      WHERE ss.next_due_at < now() - make_interval(secs => $2::float8 / 1000)
        AND s.status = 'active' AND s.task_queue = $1 AND ss.shard < greatest(s.shard_count, 1)
      ORDER BY ss.next_due_at
      LIMIT ${RECONCILE_LIMIT}`,
    [q.taskQueue, q.graceMs],
  );
  await mapConcurrent(rows, SIGNAL_CONCURRENCY, ({ serviceId, customerId, shard }) =>
    deps.temporal.workflow.signalWithStart(SHARD_WORKFLOW_TYPE, {
      ...shardWorkflowOptions({ serviceId, customerId, shard }),
      taskQueue: q.taskQueue,
      signal: wakeSignal,
      signalArgs: [],
    }),
  );
  return rows.length;
}
