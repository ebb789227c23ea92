import { z } from 'zod';
import { MetadataThrottled, MetadataUnavailable } from '../../engine/delivery/metadata-client';
import { deliverByPull } from '../../engine/delivery/pull';
import { secretsKeyring } from '../../config';
import { PULL_TOKEN_HEADER } from '../../domain/node-credential';
import { decodeCursor, page } from '../http/pagination';
import { problems } from '../http/problem';
import { nodeRoute, serviceRoute, type Route } from '../http/route';
import { NodeDeliveredSchema, NodeListQuerySchema, NodeListSchema, NodeParamsSchema, NodePullParamsSchema, NodePullQuerySchema, NodePullSchema, NodeRefreshPendingSchema, NodeSchema, RedriveSchema, RedrivenSchema, RefreshNodeSchema } from '../schemas/nodes';
import { ServiceParamsSchema } from '../schemas/services';
import { findNode, listNodes } from '../services/node-reads';
import { redriveNodes } from '../services/redrive';
import { spendRateQuota } from '../services/tenancy';
import { forcedRefresh } from '../services/forced-refresh';
import { checkUrls } from '../services/target-checks';

const tags = ['nodes'];
const NodeCursorSchema = z.object({ nodeId: z.string() });
const nodeLink = (serviceId: string, nodeId: string) => `/v1/services/${serviceId}/nodes/${encodeURIComponent(nodeId)}`;
/** When the metadata source failed without saying when to come back. */
const SOURCE_RETRY_SECONDS = 5;

/** The metadata source's trouble, as a node pulling should see it: come back later. */
function sourceProblem(err: unknown): unknown {
  if (err instanceof MetadataThrottled) {
    return problems.unavailable('The metadata source asked Courier to slow down; retry after the given delay.', Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
  }
  if (err instanceof MetadataUnavailable) return problems.unavailable('The metadata source is unavailable; retry shortly.', SOURCE_RETRY_SECONDS);
  return err;
}

export const nodeRoutes: Route[] = [
  serviceRoute({
    method: 'post',
    path: '/v1/services/{id}/nodes/{nodeId}/refresh',
    summary: 'Deliver to one node now, known or new',
    tags,
    params: NodeParamsSchema,
    body: RefreshNodeSchema,
    idempotent: true,
    responses: {
      200: { description: 'The node acked the delivery.', schema: NodeDeliveredSchema },
      202: { description: 'Not acked within a few seconds; the delivery goes on. Poll the status link.', schema: NodeRefreshPendingSchema },
    },
    problems: [429, 503],
    async handle({ service, params, body, deps }) {
      await checkUrls({ endpoint: body.endpoint }, deps.config);
      await spendRateQuota(deps, service.customerId, 'forcedRefreshesPerMinute');
      const outcome = await forcedRefresh(deps, service, params.nodeId, body.endpoint);
      if (outcome.delivered) {
        const { nodeId, version, deliveredAt, expiresAt } = outcome;
        return { status: 200, body: { nodeId, version, deliveredAt, expiresAt } };
      }
      const { nodeId, state, lastError } = outcome;
      return { status: 202, body: { nodeId, state, lastError, links: { status: nodeLink(service.id, nodeId) } } };
    },
  }),

  serviceRoute({
    method: 'get',
    path: '/v1/services/{id}/nodes/{nodeId}',
    summary: "One node's delivery state",
    tags,
    params: NodeParamsSchema,
    responses: { 200: { description: 'The node.', schema: NodeSchema } },
    async handle({ service, params, deps }) {
      const node = await findNode(deps.db, service.id, params.nodeId);
      if (!node) throw problems.notFound('The service has no such node.');
      return { status: 200, body: node };
    },
  }),

  serviceRoute({
    method: 'get',
    path: '/v1/services/{id}/nodes',
    summary: "The service's nodes, optionally in one state",
    tags,
    params: ServiceParamsSchema,
    query: NodeListQuerySchema,
    responses: { 200: { description: 'One page of nodes, by node id.', schema: NodeListSchema } },
    async handle({ service, query, deps }) {
      const after = decodeCursor(NodeCursorSchema, query.cursor)?.nodeId;
      const rows = await listNodes(deps.db, service.id, { state: query.state, after, limit: query.limit + 1 });
      return { status: 200, body: page(rows, query.limit, (last) => ({ nodeId: last.nodeId })) };
    },
  }),

  serviceRoute({
    method: 'post',
    path: '/v1/services/{id}/nodes/redrive',
    summary: 'Retry failing and expired nodes now (the dead letters): all of them, or the ones named',
    tags,
    params: ServiceParamsSchema,
    body: RedriveSchema,
    idempotent: true,
    responses: { 202: { description: 'The nodes are due now with a fresh retry backoff, and their shards woken.', schema: RedrivenSchema } },
    async handle({ service, body, deps }) {
      await spendRateQuota(deps, service.customerId, 'redrivesPerMinute');
      return { status: 202, body: { redriven: await redriveNodes(deps, service.id, body.nodeIds) } };
    },
  }),

  nodeRoute({
    method: 'get',
    path: '/v1/nodes/{nodeId}/metadata',
    summary: 'A node pulls its current metadata with the pull token of its last delivery, for when pushes cannot reach it; counts as its ack',
    tags,
    params: NodePullParamsSchema,
    query: NodePullQuerySchema,
    responses: {
      200: {
        description: 'The delivery a push would send, signed in Courier-Signature, with the next pull token in Courier-Pull-Token; the node is fresh.',
        schema: NodePullSchema,
      },
    },
    problems: [404, 429, 503],
    async handle({ settings, params, deps }) {
      const pullDeps = {
        pool: deps.db.pool,
        dispatcher: deps.dispatcher,
        keyring: secretsKeyring(deps.config),
        pullsPerMinute: deps.config.COURIER_PULLS_PER_MINUTE,
        now: () => new Date(),
      };
      const result = await deliverByPull(pullDeps, settings, params.nodeId).catch((err: unknown) => {
        if (err instanceof MetadataUnavailable) deps.logger.warn({ err, serviceId: settings.serviceId, nodeId: params.nodeId }, 'node pull: metadata source unavailable');
        throw sourceProblem(err);
      });
      if ('limited' in result) {
        throw problems.tooManyRequests(`A node may pull ${pullDeps.pullsPerMinute} times a minute; retry after the given delay.`, result.retryAfterSeconds);
      }
      if ('unknownNode' in result) throw problems.notFound('The service has no such node.');
      const { raw, signature, pullToken } = result.pulled;
      return { status: 200, body: raw, contentType: 'application/json', headers: { 'Courier-Signature': signature, [PULL_TOKEN_HEADER]: pullToken } };
    },
  }),
];
