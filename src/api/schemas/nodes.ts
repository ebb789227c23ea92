/** Nodes of a service: their delivery state, forced refreshes, redrives, and a node's own pull. */
import { z } from 'zod';
import { NODE_ALERTS } from '../../domain/alerts';
import { NODE_STATES } from '../../domain/node-state';
import { NODE_ID_PATTERN } from '../../domain/node-id';
import { DeliveryBodySchema } from '../../domain/protocol';
import { cursor, httpUrl, limit, LinksSchema, pageOf, timestamp, uuid } from './common';

const nodeId = z
  .string()
  .regex(NODE_ID_PATTERN, 'must be 1-253 characters of A-Z, a-z, 0-9, ".", "_", ":" and "-"');
const nodeState = z.enum(NODE_STATES);

export const NodeParamsSchema = z.object({ id: uuid, nodeId });

export const NodeSchema = z
  .object({
    nodeId: z.string(),
    state: nodeState,
    version: z.string().nullable(),
    deliveredAt: timestamp.nullable(),
    expiresAt: timestamp.nullable(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    endpoint: z.string().nullable().meta({ description: 'Set when the node has its own endpoint.' }),
    shard: z.number().int(),
    alert: z.enum(NODE_ALERTS).nullable().meta({ description: 'An open alert episode, until the node acks again.' }),
    alertSince: timestamp.nullable(),
  })
  .meta({ id: 'Node' });
export type NodeView = z.output<typeof NodeSchema>;

/** `breached` names the `expired` state as alerts do: a copy expired before a fresh one was acked. */
const NODE_STATE_FILTERS = [...NODE_STATES, 'breached'] as const;
export const NodeListQuerySchema = z.strictObject({
  state: z
    .enum(NODE_STATE_FILTERS)
    .transform((state) => (state === 'breached' ? 'expired' : state))
    .optional()
    .meta({ description: '`breached` is the same as `expired`.' }),
  limit,
  cursor,
});
export const NodeListSchema = pageOf(NodeSchema, 'NodeList');

export const RefreshNodeSchema = z
  .strictObject({ endpoint: httpUrl.optional().meta({ description: 'Delivery endpoint of a node the mapping does not list.' }) })
  .meta({ id: 'RefreshNode' });

export const NodeDeliveredSchema = z
  .object({ nodeId: z.string(), version: z.string(), deliveredAt: timestamp, expiresAt: timestamp })
  .meta({ id: 'NodeDelivered' });

export const NodeRefreshPendingSchema = z
  .object({ nodeId: z.string(), state: nodeState, lastError: z.string().nullable(), links: LinksSchema })
  .meta({ id: 'NodeRefreshPending' });

export const RedriveSchema = z
  .strictObject({
    nodeIds: z
      .array(nodeId)
      .min(1)
      .max(1000)
      .optional()
      .meta({ description: 'The nodes to redrive; all failing and expired nodes when omitted. Nodes in another state are left alone.' }),
  })
  .meta({ id: 'Redrive' });

export const RedrivenSchema = z
  .object({ redriven: z.number().int().meta({ description: 'Failing and expired nodes made due now.' }) })
  .meta({ id: 'Redriven' });

export const NodePullParamsSchema = z.object({ nodeId });
export const NodePullQuerySchema = z.strictObject({ service: uuid.meta({ description: "The id of the node's service." }) });
export const NodePullSchema = DeliveryBodySchema.meta({
  id: 'Delivery',
  description: 'The Contract 2 body a push would carry, with its Courier-Signature header; `metadata` is base64.',
});
