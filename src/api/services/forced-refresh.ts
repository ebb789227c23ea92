/**
 * A forced refresh of one node goes to the shard workflow that owns it, as an update: the answer
 * comes back once the node acked or failed. The caller waits a few seconds at most; past that it
 * gets the node's current state and a link to poll, while the delivery carries on.
 */
import type { Service } from '@prisma/client';
import type { NodeState } from '../../domain/node-state';
import { shardOf } from '../../domain/sharding';
import { forcedRefreshUpdate, shardWorkflowId, type ForcedRefreshOutcome } from '../../workflows/shard/definitions';
import type { AppDeps } from '../deps';
import { problems } from '../http/problem';
import { isResourceExhausted, isTemporalUnreachable, isWorkflowNotFound } from '../temporal-errors';
import { findNode } from './node-reads';

export type ForcedRefreshAnswer =
  | { delivered: true; nodeId: string; version: string; deliveredAt: string; expiresAt: string }
  | { delivered: false; nodeId: string; state: NodeState; lastError: string | null };

export async function forcedRefresh(deps: AppDeps, service: Service, nodeId: string, endpoint?: string): Promise<ForcedRefreshAnswer> {
  const shard = shardOf(nodeId, Math.max(1, service.shardCount));
  const handle = deps.temporal.workflow.getHandle(shardWorkflowId(service.id, shard));
  const deadline = Date.now() + deps.timing.forcedRefreshWaitMs;
  let result: ForcedRefreshOutcome | undefined;
  try {
    // One call that waits for the outcome: the update is accepted only in the workflow task that
    // answers it (the delivery is a local activity of that task), so waiting for acceptance first
    // and then polling for the result cost a second round trip through Temporal.
    result = await deps.temporal.withDeadline(deadline, () => handle.executeUpdate(forcedRefreshUpdate, { args: [{ nodeId, endpoint }] }));
  } catch (err) {
    if (isWorkflowNotFound(err)) throw problems.unavailable('The service is still starting; retry in a moment.', 2);
    if (isResourceExhausted(err)) throw problems.tooManyRequests('Too many refreshes in flight for this shard; retry in a moment.', 1);
    if (isTemporalUnreachable(err)) throw err;
    // Accepted but not answered in time, or failed: the node's row says where it stands.
    deps.logger.debug({ err, serviceId: service.id, nodeId }, 'forced refresh not confirmed in time');
  }
  if (result?.acked && result.version && result.deliveredAt && result.expiresAt) {
    return { delivered: true, nodeId, version: result.version, deliveredAt: result.deliveredAt, expiresAt: result.expiresAt };
  }
  const node = await findNode(deps.db, service.id, nodeId);
  return { delivered: false, nodeId, state: node?.state ?? 'pending', lastError: result?.error ?? node?.lastError ?? null };
}
