import { Prisma, type MappingGrant } from '@prisma/client';
import { bucketAllowed } from '../../domain/url-safety';
import { quotaDefaults } from '../../config';
import { effectiveQuotas, mergeOverrides, QuotaOverridesSchema } from '../../domain/tenancy/quotas';
import type { AppDeps } from '../deps';
import { createdOrder } from '../http/pagination';
import { problems } from '../http/problem';
import { adminRoute, customerRoute, type Route } from '../http/route';
import { CustomerParamsSchema } from '../schemas/admin';
import { CreateMappingGrantSchema, CustomerQuotasSchema, MappingGrantListSchema, MappingGrantParamsSchema, MappingGrantSchema, UpdateQuotasSchema } from '../schemas/tenancy';
import { findCustomer } from '../services/customers';
import { isUuid } from '../services/service-store';
import { quotaUsage } from '../services/tenancy';

const tags = ['tenancy'];

const grantView = (row: MappingGrant) => ({ id: row.id, bucket: row.bucket, prefix: row.prefix, createdAt: row.createdAt.toISOString() });

async function quotasView(deps: AppDeps, customerId: string, stored: Prisma.JsonValue | null) {
  const quotas = effectiveQuotas(quotaDefaults(deps.config), stored);
  const usage = await quotaUsage(deps, customerId);
  const overrides = QuotaOverridesSchema.safeParse(stored ?? {});
  return { status: 200, body: { quotas, usage, overridden: overrides.success ? Object.keys(overrides.data) : [] } };
}

export const tenancyRoutes: Route[] = [
  adminRoute({
    method: 'post',
    path: '/v1/admin/customers/{id}/mapping-grants',
    summary: "Let a customer's mappings be read from a bucket, or a key prefix of one; granting a grant again changes nothing",
    tags,
    params: CustomerParamsSchema,
    body: CreateMappingGrantSchema,
    bodyRequired: true,
    responses: { 201: { description: 'The grant.', schema: MappingGrantSchema } },
    problems: [404],
    async handle({ params, body, deps }) {
      const { id: customerId } = await findCustomer(deps, params.id);
      if (!bucketAllowed(body.bucket, deps.config.COURIER_MAPPING_BUCKETS)) {
        throw problems.validation([{ in: 'body', path: 'bucket', message: 'is not a bucket this deployment reads mappings from (COURIER_MAPPING_BUCKETS)' }]);
      }
      const row = await deps.db.prisma.mappingGrant.upsert({
        where: { customerId_bucket_prefix: { customerId, bucket: body.bucket, prefix: body.prefix } },
        create: { customerId, bucket: body.bucket, prefix: body.prefix },
        update: {},
      });
      return { status: 201, body: grantView(row) };
    },
  }),
  adminRoute({
    method: 'get',
    path: '/v1/admin/customers/{id}/mapping-grants',
    summary: "A customer's mapping grants, oldest first",
    tags,
    params: CustomerParamsSchema,
    responses: { 200: { description: 'The grants.', schema: MappingGrantListSchema } },
    problems: [404],
    async handle({ params, deps }) {
      const { id: customerId } = await findCustomer(deps, params.id);
      const rows = await deps.db.prisma.mappingGrant.findMany({ where: { customerId }, orderBy: createdOrder() });
      return { status: 200, body: { items: rows.map(grantView) } };
    },
  }),
  adminRoute({
    method: 'delete',
    path: '/v1/admin/customers/{id}/mapping-grants/{grantId}',
    summary: "Revoke a mapping grant: registrations stop accepting it at once, and each service's next mapping load fails while its URI is not granted",
    tags,
    params: MappingGrantParamsSchema,
    responses: { 200: { description: 'The revoked grant.', schema: MappingGrantSchema } },
    problems: [404],
    async handle({ params, deps }) {
      const { id: customerId } = await findCustomer(deps, params.id);
      const row = isUuid(params.grantId) ? await deps.db.prisma.mappingGrant.findFirst({ where: { id: params.grantId, customerId } }) : null;
      if (!row) throw problems.notFound('No such mapping grant for this customer.');
      await deps.db.prisma.mappingGrant.delete({ where: { id: row.id } });
      return { status: 200, body: grantView(row) };
    },
  }),
  adminRoute({
    method: 'get',
    path: '/v1/admin/customers/{id}/quotas',
    summary: "A customer's quotas in force and its usage",
    tags,
    params: CustomerParamsSchema,
    responses: { 200: { description: 'Quotas and usage.', schema: CustomerQuotasSchema } },
    problems: [404],
    async handle({ params, deps }) {
      const customer = await findCustomer(deps, params.id);
      return quotasView(deps, customer.id, customer.quotas);
    },
  }),
  adminRoute({
    method: 'patch',
    path: '/v1/admin/customers/{id}/quotas',
    summary: "Override a customer's quotas; null puts one back to the deployment default",
    tags,
    params: CustomerParamsSchema,
    body: UpdateQuotasSchema,
    bodyRequired: true,
    responses: { 200: { description: 'Quotas and usage after the change.', schema: CustomerQuotasSchema } },
    problems: [404],
    async handle({ params, body, deps }) {
      const customer = await findCustomer(deps, params.id);
      const quotas = mergeOverrides(customer.quotas, body);
      const stored = Object.keys(quotas).length > 0 ? quotas : Prisma.DbNull;
      await deps.db.prisma.customer.update({ where: { id: customer.id }, data: { quotas: stored } });
      return quotasView(deps, customer.id, quotas);
    },
  }),
  customerRoute({
    method: 'get',
    path: '/v1/quotas',
    summary: "The caller's quotas and how much of them it uses",
    tags,
    responses: { 200: { description: 'Quotas and usage.', schema: CustomerQuotasSchema } },
    async handle({ customerId, deps }) {
      const customer = await findCustomer(deps, customerId);
      return quotasView(deps, customerId, customer.quotas);
    },
  }),
];
