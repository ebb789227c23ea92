import { z } from 'zod';
import { decodeCursor, page } from '../http/pagination';
import { problems } from '../http/problem';
import { serviceRoute, type Route } from '../http/route';
import {
  NodeDeliveredSchema,
  NodeListQuerySchema,
  NodeListSchema,
  NodeParamsSchema,
  NodeRefreshPendingSchema,
  NodeSchema,
  RefreshNodeSchema,
  ServiceParamsSchema,
} from '../schemas';
import { findNode, listNodes } from '../services/node-reads';
import { refreshNode } from '../services/refresh-node';
import { checkUrls } from '../services/target-checks';

const tags = ['nodes'];
const NodeCursorSchema = z.object({ nodeId: z.string() });
const nodeLink = (serviceId: string, nodeId: string) => `/v1/services/${serviceId}/nodes/${encodeURIComponent(nodeId)}`;

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
      const outcome = await refreshNode(deps, service, params.nodeId, body.endpoint);
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
];
