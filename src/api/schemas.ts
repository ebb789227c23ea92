/**
 * Contract 1 in zod: every request is validated against these and the OpenAPI document is
 * generated from them, so the two cannot drift. Requests are strict (unknown fields are errors);
 * response schemas document what handlers return.
 */
import { z } from 'zod';
import { ALERT_KINDS, NODE_ALERTS } from '../domain/alerts';
import { NODE_STATES } from '../domain/node-state';
import { NODE_ID_PATTERN } from '../domain/node-id';
import { DeliveryBodySchema, expandTemplate } from '../domain/protocol';
import { QuotasSchema } from '../domain/tenancy/quotas';

export const MIN_TTL_SECONDS = 10;
export const MAX_TTL_SECONDS = 30 * 24 * 3600;
export const MAPPING_FORMATS = ['auto', 'lines', 'csv', 'ndjson', 'json'] as const;
export const SERVICE_STATES = ['loading', 'active', 'degraded', 'deleting'] as const;

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
};

const httpUrl = z.string().max(2048).refine(isHttpUrl, 'must be an absolute http:// or https:// URL');

/** An http(s) URL that may contain `{service}` and `{node}`, substituted URL-encoded per node. */
const urlTemplate = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    if (/[{}]/.test(value.replaceAll('{service}', '').replaceAll('{node}', ''))) {
      ctx.addIssue({ code: 'custom', message: 'only the {service} and {node} placeholders are supported' });
    } else if (!isHttpUrl(expandTemplate(value, { service: 'service', node: 'node' }))) {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL (placeholders allowed)' });
    }
  })
  .meta({ description: 'http(s) URL; `{service}` and `{node}` are replaced, URL-encoded.' });

const timestamp = z.iso.datetime();
const uuid = z.uuid();

// ---- service registration ----------------------------------------------------------------

export const ServiceNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 characters of a-z, 0-9 and "-", starting with a letter or digit');

const mappingUri = z
  .string()
  .max(1024)
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/, 'must be an s3://bucket/key URI');
const mappingFormat = z.enum(MAPPING_FORMATS);
const ttlSeconds = z
  .number()
  .int()
  .min(MIN_TTL_SECONDS)
  .max(MAX_TTL_SECONDS)
  .meta({ description: 'Lifetime of each delivered copy, 10 s to 30 days.' });
const refreshBeforeSeconds = z
  .number()
  .int()
  .min(1)
  .meta({ description: 'Refresh starts this long before a copy expires; below ttlSeconds. Default: a third of ttlSeconds.' });
const deliveryTimeoutMs = z.number().int().min(100).max(60_000);
const secondaryEndpoint = urlTemplate.meta({
  description: 'Where deliveries alternate to once a node failed several attempts in a row at its primary endpoint; `{service}` and `{node}` are replaced.',
});
const signingSecret = z
  .string()
  .min(32, 'must be at least 32 characters')
  .max(512)
  .meta({ description: 'HMAC key of the node protocol; generated when omitted. Never returned after creation.' });

export const NotificationsSchema = z
  .strictObject({ webhookUrl: httpUrl.optional(), email: z.email('must be an email address').optional() })
  .meta({ id: 'Notifications' });

/** The metadata source's SLA as the customer states it; Courier stays within it (per worker process). */
const sourceLimits = {
  maxConcurrency: z.number().int().min(1).max(1000).meta({ description: 'Requests in flight to the source at once. Default: COURIER_SOURCE_CONCURRENCY.' }),
  maxRequestsPerSecond: z.number().positive().max(100_000).meta({ description: 'Requests per second to the source. Default: no limit but its 429/503 Retry-After.' }),
};

const registrationShape = {
  mapping: z.strictObject({ uri: mappingUri, format: mappingFormat.default('auto') }),
  metadata: z.strictObject({ url: urlTemplate, maxConcurrency: sourceLimits.maxConcurrency.optional(), maxRequestsPerSecond: sourceLimits.maxRequestsPerSecond.optional() }),
  ttlSeconds,
  refreshBeforeSeconds: refreshBeforeSeconds.optional(),
  delivery: z.strictObject({ endpoint: urlTemplate, secondaryEndpoint: secondaryEndpoint.optional(), timeoutMs: deliveryTimeoutMs.default(5_000) }),
  notifications: NotificationsSchema.optional(),
  signingSecret: signingSecret.optional(),
};

function refreshBeforeBelowTtl(value: { ttlSeconds: number; refreshBeforeSeconds?: number }, ctx: z.RefinementCtx): void {
  if (value.refreshBeforeSeconds !== undefined && value.refreshBeforeSeconds >= value.ttlSeconds) {
    ctx.addIssue({ code: 'custom', path: ['refreshBeforeSeconds'], message: 'must be less than ttlSeconds' });
  }
}

/** Everything a customer registers but the name; what PATCH results are validated against. */
export const RegistrationSchema = z.strictObject(registrationShape).superRefine(refreshBeforeBelowTtl);
export type Registration = z.output<typeof RegistrationSchema>;
export type RegistrationInput = z.input<typeof RegistrationSchema>;

export const CreateServiceSchema = z
  .strictObject({ name: ServiceNameSchema, ...registrationShape })
  .superRefine(refreshBeforeBelowTtl)
  .meta({ id: 'CreateService' });
export type CreateService = z.output<typeof CreateServiceSchema>;

/** Partial registration: nested objects merge into the current one; `notifications: null` clears them. */
export const UpdateServiceSchema = z
  .strictObject({
    name: z
      .unknown()
      .refine((v) => v === undefined, 'cannot be changed; register a new service under the new name')
      .optional()
      .meta({ description: 'Not allowed: a service keeps its name.' }),
    mapping: z.strictObject({ uri: mappingUri.optional(), format: mappingFormat.optional() }).optional(),
    metadata: z
      .strictObject({
        url: urlTemplate.optional(),
        maxConcurrency: sourceLimits.maxConcurrency.nullable().optional(),
        maxRequestsPerSecond: sourceLimits.maxRequestsPerSecond.nullable().optional(),
      })
      .optional()
      .meta({ description: 'A limit set to null is removed.' }),
    ttlSeconds: ttlSeconds.optional(),
    refreshBeforeSeconds: refreshBeforeSeconds.optional(),
    delivery: z
      .strictObject({ endpoint: urlTemplate.optional(), secondaryEndpoint: secondaryEndpoint.nullable().optional(), timeoutMs: deliveryTimeoutMs.optional() })
      .optional()
      .meta({ description: '`secondaryEndpoint: null` removes the secondary endpoint.' }),
    notifications: NotificationsSchema.nullable().optional(),
    signingSecret: signingSecret.optional(),
  })
  .meta({ id: 'UpdateService' });
export type UpdateService = z.output<typeof UpdateServiceSchema>;

export const ServiceParamsSchema = z.object({ id: uuid });

export const LinksSchema = z.record(z.string(), z.string()).meta({ id: 'Links' });

export const ServiceSchema = z
  .object({
    id: uuid,
    name: z.string(),
    status: z.enum(['provisioning', 'active']),
    mapping: z.object({ uri: z.string(), format: mappingFormat }),
    metadata: z.object({ url: z.string(), maxConcurrency: z.number().int().nullable(), maxRequestsPerSecond: z.number().nullable() }),
    ttlSeconds: z.number().int(),
    refreshBeforeSeconds: z.number().int(),
    delivery: z.object({ endpoint: z.string(), secondaryEndpoint: z.string().nullable(), timeoutMs: z.number().int() }),
    notifications: NotificationsSchema.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    links: LinksSchema,
  })
  .meta({ id: 'Service' });
export type ServiceView = z.output<typeof ServiceSchema>;

export const ServiceCreatedSchema = z
  .object({
    id: uuid,
    name: z.string(),
    status: z.enum(['provisioning', 'active']),
    signingSecret: z.string().meta({ description: 'Shown only in this response.' }),
    notificationSecret: z.string().meta({
      description: 'Key of the webhook signatures (Courier-Signature: t=...,v1=...); nodes never see it. Shown only here and when rotated.',
    }),
    links: LinksSchema,
  })
  .meta({ id: 'ServiceCreated' });
export type ServiceCreated = z.output<typeof ServiceCreatedSchema>;

export const NotificationSecretSchema = z
  .object({ notificationSecret: z.string().meta({ description: 'Shown only in this response.' }) })
  .meta({ id: 'NotificationSecret' });

export const NodeCountsSchema = z
  .object({
    total: z.number().int(),
    fresh: z.number().int(),
    pending: z.number().int(),
    failing: z.number().int(),
    expired: z.number().int(),
  })
  .meta({ id: 'NodeCounts' });

export const LiveStatusSchema = z.object({
  state: z.enum(SERVICE_STATES),
  mapping: z.object({
    etag: z.string().nullable(),
    nodeCount: z.number().int().nullable(),
    loadedAt: timestamp.nullable(),
    badRows: z.number().int(),
    badRowSamples: z
      .array(z.object({ line: z.number().int(), reason: z.string() }))
      .meta({ description: 'The first bad rows of the mapping, by line; empty when status comes from the database.' }),
    error: z.string().nullable(),
    held: z.string().nullable().meta({ description: 'Why a newer mapping was read but not applied.' }),
  }),
  nodes: NodeCountsSchema,
  alerts: z
    .object({ atRisk: z.number().int(), breached: z.number().int() })
    .meta({ description: 'Nodes with an open alarm episode: failing with most of their budget spent, or past their deadline.' }),
  nextRefreshAt: timestamp.nullable(),
  lastCycleAt: timestamp.nullable(),
});
export type LiveStatus = z.output<typeof LiveStatusSchema>;

/** The registration and the live status share `mapping`: uri and format beside etag and counts. */
export const ServiceDetailSchema = ServiceSchema.extend(LiveStatusSchema.shape)
  .extend({ mapping: ServiceSchema.shape.mapping.extend(LiveStatusSchema.shape.mapping.shape) })
  .meta({ id: 'ServiceDetail' });
export type ServiceDetail = z.output<typeof ServiceDetailSchema>;

const limit = z.coerce
  .number({ error: 'must be an integer from 1 to 100' })
  .int('must be an integer from 1 to 100')
  .min(1, 'must be an integer from 1 to 100')
  .max(100, 'must be an integer from 1 to 100')
  .default(20);
const cursor = z.string().max(1024).optional().meta({ description: 'nextCursor of the previous page.' });

export const ServiceListQuerySchema = z.strictObject({ limit, cursor });

const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id });

export const ServiceListSchema = pageOf(ServiceSchema, 'ServiceList');

export const ServiceAcceptedSchema = z
  .object({ id: uuid, status: z.literal('deleting') })
  .meta({ id: 'ServiceDeleting' });

export const ActionAcceptedSchema = z
  .object({ id: uuid, action: z.enum(['refresh', 'mapping-reload']), links: LinksSchema })
  .meta({ id: 'ActionAccepted' });

// ---- nodes -------------------------------------------------------------------------------

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
    alert: z.enum(NODE_ALERTS).nullable().meta({ description: 'An open alarm episode, until the node acks again.' }),
    alertSince: timestamp.nullable(),
  })
  .meta({ id: 'Node' });
export type NodeView = z.output<typeof NodeSchema>;

/** `breached` names the `expired` state as alarms do: a copy expired before a fresh one was acked. */
export const NODE_STATE_FILTERS = [...NODE_STATES, 'breached'] as const;
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

// ---- notifications -----------------------------------------------------------------------

export const NotificationListQuerySchema = z.strictObject({
  serviceId: uuid.optional().meta({ description: "Only this service's notifications." }),
  limit,
  cursor,
});

export const NotificationSchema = z
  .object({
    id: uuid,
    serviceId: uuid.nullable(),
    kind: z.enum(ALERT_KINDS),
    severity: z.enum(['critical', 'warning', 'info']),
    message: z.string(),
    data: z.unknown().nullable().meta({ description: 'Details of the notification, by kind.' }),
    createdAt: timestamp,
    deliveries: z
      .array(
        z.object({
          channel: z.enum(['webhook', 'email']),
          target: z.string(),
          status: z.enum(['pending', 'delivered', 'failed']),
          attempts: z.number().int(),
          lastError: z.string().nullable(),
          deliveredAt: timestamp.nullable(),
        }),
      )
      .meta({ description: "The notification's delivery log on the service's webhook and email channels." }),
  })
  .meta({ id: 'Notification' });
export type NotificationView = z.output<typeof NotificationSchema>;

export const NotificationListSchema = z
  .object({
    items: z.array(NotificationSchema),
    nextCursor: z.string().nullable().meta({
      description:
        'Where the next request resumes. Set after every non-empty page, the last one included, so a client can tail ' +
        "the list by following it; an empty page echoes the request's cursor (null without one).",
    }),
  })
  .meta({ id: 'NotificationList' });

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

// ---- admin -------------------------------------------------------------------------------

export const CreateCustomerSchema = z.strictObject({ name: z.string().trim().min(1, 'must not be empty').max(200) }).meta({ id: 'CreateCustomer' });
// Any string: an id that cannot exist is unknown (404), like one that does not.
export const CustomerParamsSchema = z.object({ id: z.string().meta({ description: 'Customer id.' }) });
export const CustomerSchema = z.object({ id: uuid, name: z.string() }).meta({ id: 'Customer' });
export const ApiKeyCreatedSchema = z
  .object({ id: uuid, key: z.string().meta({ description: 'Shown only in this response.' }) })
  .meta({ id: 'ApiKeyCreated' });

export const ApiKeySchema = z
  .object({
    id: uuid,
    scope: z.enum(['admin', 'customer']),
    customerId: uuid.nullable(),
    prefix: z.string().meta({ description: 'The first characters of the key, to tell keys apart.' }),
    createdAt: timestamp,
    revokedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });
export const ApiKeyListSchema = z.object({ items: z.array(ApiKeySchema) }).meta({ id: 'ApiKeyList' });
export const ApiKeyParamsSchema = z.object({ keyId: z.string().meta({ description: 'API key id.' }) });
export const CustomerListQuerySchema = z.strictObject({ limit, cursor });
export const CustomerListSchema = pageOf(CustomerSchema, 'CustomerList');

export const AuditEventSchema = z
  .object({
    id: uuid,
    at: timestamp,
    actor: z.object({
      keyId: z.string().meta({ description: 'API key id, `bootstrap` for the deployment admin key, or `unauthenticated` for a refused key.' }),
      scope: z.enum(['admin', 'customer']).nullable(),
      customerId: uuid.nullable(),
    }),
    method: z.string(),
    route: z.string(),
    target: z.record(z.string(), z.string()).meta({ description: 'The path parameters of the request; for a refused key, its source address.' }),
    fields: z.array(z.string()).meta({ description: 'Top-level body fields sent; values are never recorded.' }),
    status: z.number().int(),
  })
  .meta({ id: 'AuditEvent' });
export const AuditListQuerySchema = z.strictObject({ customerId: uuid.optional(), limit, cursor });
export const AuditListSchema = pageOf(AuditEventSchema, 'AuditList');

// ---- tenancy: mapping grants and quotas ---------------------------------------------------

export const CreateMappingGrantSchema = z
  .strictObject({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 of a-z 0-9 . -)'),
    prefix: z
      .string()
      .max(1024)
      .regex(/^[^\x00-\x1f\x7f]*$/, 'must not contain control characters')
      .default('')
      .meta({ description: "Object keys starting with this; '' (the default) grants the whole bucket. End it with / to grant one folder." }),
  })
  .meta({ id: 'CreateMappingGrant' });
export const MappingGrantSchema = z.object({ id: uuid, bucket: z.string(), prefix: z.string(), createdAt: timestamp }).meta({ id: 'MappingGrant' });
export const MappingGrantListSchema = z.object({ items: z.array(MappingGrantSchema) }).meta({ id: 'MappingGrantList' });
export const MappingGrantParamsSchema = z.object({ id: z.string().meta({ description: 'Customer id.' }), grantId: z.string().meta({ description: 'Grant id.' }) });

export const QuotaUsageSchema = z
  .object({
    services: z.number().int().meta({ description: 'Services registered now.' }),
    nodes: z.number().int().meta({ description: 'Nodes the mappings in force list, across all services.' }),
  })
  .meta({ id: 'QuotaUsage' });
export const CustomerQuotasSchema = z
  .object({ quotas: QuotasSchema, usage: QuotaUsageSchema, overridden: z.array(z.string()).meta({ description: 'Quotas an admin set for this customer; the rest are the deployment defaults.' }) })
  .meta({ id: 'CustomerQuotas' });
export const UpdateQuotasSchema = z
  .strictObject(Object.fromEntries(Object.entries(QuotasSchema.shape).map(([name, schema]) => [name, schema.nullable().optional()])) as {
    [K in keyof typeof QuotasSchema.shape]: z.ZodOptional<z.ZodNullable<(typeof QuotasSchema.shape)[K]>>;
  })
  .meta({ id: 'UpdateQuotas', description: 'Quotas to set for this customer; null puts one back to the deployment default.' });

// ---- system ------------------------------------------------------------------------------

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z
      .array(z.object({ in: z.enum(['body', 'query', 'path', 'header']), path: z.string(), message: z.string() }))
      .optional(),
  })
  .meta({ id: 'Problem' });

export const HealthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const IdempotencyHeadersSchema = z.object({
  'Idempotency-Key': z
    .string()
    .max(255)
    .optional()
    .meta({ description: 'Retrying with the same key and body returns the first response; another body is refused (422).' }),
});
