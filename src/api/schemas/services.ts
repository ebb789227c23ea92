/** Services: registration (create, update), what the API shows of one, its live status, lists and actions. */
import { z } from 'zod';
import { cursor, httpUrl, limit, LinksSchema, pageOf, timestamp, urlTemplate, uuid } from './common';

const MIN_TTL_SECONDS = 10;
const MAX_TTL_SECONDS = 30 * 24 * 3600;
export const MAPPING_FORMATS = ['auto', 'lines', 'csv', 'ndjson', 'json'] as const;
const SERVICE_STATES = ['loading', 'active', 'degraded', 'deleting'] as const;

const ServiceNameSchema = z
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

const NodeCountsSchema = z
  .object({
    total: z.number().int(),
    fresh: z.number().int(),
    pending: z.number().int(),
    failing: z.number().int(),
    expired: z.number().int(),
  })
  .meta({ id: 'NodeCounts' });

const LiveStatusSchema = z.object({
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
    .meta({ description: 'Nodes with an open alert episode: at risk (failing with most of their budget spent), or breached (past their deadline).' }),
  nextRefreshAt: timestamp.nullable().meta({ description: "The service's next due time: when its earliest node is due for a delivery." }),
  lastCycleAt: timestamp.nullable(),
});
export type LiveStatus = z.output<typeof LiveStatusSchema>;

/** The registration and the live status share `mapping`: uri and format beside etag and counts. */
export const ServiceDetailSchema = ServiceSchema.extend(LiveStatusSchema.shape)
  .extend({ mapping: ServiceSchema.shape.mapping.extend(LiveStatusSchema.shape.mapping.shape) })
  .meta({ id: 'ServiceDetail' });
export type ServiceDetail = z.output<typeof ServiceDetailSchema>;

export const ServiceListQuerySchema = z.strictObject({ limit, cursor });

export const ServiceListSchema = pageOf(ServiceSchema, 'ServiceList');

export const ServiceAcceptedSchema = z
  .object({ id: uuid, status: z.literal('deleting') })
  .meta({ id: 'ServiceDeleting' });

export const ActionAcceptedSchema = z
  .object({ id: uuid, action: z.enum(['refresh', 'mapping-reload']), links: LinksSchema })
  .meta({ id: 'ActionAccepted' });
