import type { ApiKey, AuditEvent } from '@prisma/client';
import { adminRoute, type Route } from '../http/route';
import { createdOrder, createdPage } from '../http/pagination';
import { problems } from '../http/problem';
import { ApiKeyCreatedSchema, ApiKeyListSchema, ApiKeyParamsSchema, ApiKeySchema, AuditListQuerySchema, AuditListSchema, CreateCustomerSchema, CustomerListQuerySchema, CustomerListSchema, CustomerParamsSchema, CustomerSchema } from '../schemas/admin';
import { generateKey } from '../services/api-keys';
import { findCustomer } from '../services/customers';
import { isUuid } from '../services/service-store';

const tags = ['admin'];

const auditView = (row: AuditEvent) => ({
  id: row.id,
  at: row.createdAt.toISOString(),
  actor: { keyId: row.actorKeyId, scope: row.actorScope, customerId: row.customerId },
  method: row.method,
  route: row.route,
  target: row.target as Record<string, string>,
  fields: row.fields,
  status: row.status,
});

const keyView = (row: ApiKey) => ({
  id: row.id,
  scope: row.scope,
  customerId: row.customerId,
  prefix: row.prefix,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

export const adminRoutes: Route[] = [
  adminRoute({
    method: 'post',
    path: '/v1/admin/customers',
    summary: 'Create a customer',
    tags,
    body: CreateCustomerSchema,
    bodyRequired: true,
    idempotent: true,
    responses: { 201: { description: 'The customer.', schema: CustomerSchema } },
    async handle({ body, deps }) {
      const customer = await deps.db.prisma.customer.create({ data: { name: body.name } });
      return { status: 201, body: { id: customer.id, name: customer.name } };
    },
  }),
  adminRoute({
    method: 'get',
    path: '/v1/admin/customers',
    summary: 'List customers, oldest first',
    tags,
    query: CustomerListQuerySchema,
    responses: { 200: { description: 'One page of customers.', schema: CustomerListSchema } },
    async handle({ query, deps }) {
      const { items, nextCursor } = await createdPage(query, (window) => deps.db.prisma.customer.findMany(window));
      return { status: 200, body: { items: items.map(({ id, name }) => ({ id, name })), nextCursor } };
    },
  }),
  adminRoute({
    method: 'post',
    path: '/v1/admin/customers/{id}/keys',
    summary: 'Create an API key for a customer; the key is shown only in this response',
    tags,
    params: CustomerParamsSchema,
    idempotent: true,
    responses: { 201: { description: 'The new key.', schema: ApiKeyCreatedSchema } },
    problems: [404],
    async handle({ params, deps }) {
      const { id: customerId } = await findCustomer(deps, params.id);
      const { key, prefix, hash } = generateKey('customer');
      const row = await deps.db.prisma.apiKey.create({ data: { customerId, scope: 'customer', prefix, hash } });
      return { status: 201, body: { id: row.id, key } };
    },
  }),
  adminRoute({
    method: 'get',
    path: '/v1/admin/customers/{id}/keys',
    summary: "A customer's API keys, revoked ones included; never the keys themselves",
    tags,
    params: CustomerParamsSchema,
    responses: { 200: { description: 'The keys, oldest first.', schema: ApiKeyListSchema } },
    problems: [404],
    async handle({ params, deps }) {
      const { id: customerId } = await findCustomer(deps, params.id);
      const rows = await deps.db.prisma.apiKey.findMany({ where: { customerId }, orderBy: createdOrder() });
      return { status: 200, body: { items: rows.map(keyView) } };
    },
  }),
  adminRoute({
    method: 'post',
    path: '/v1/admin/keys',
    summary: 'Create an admin API key (besides the bootstrap key from COURIER_ADMIN_KEY); shown only in this response',
    tags,
    idempotent: true,
    responses: { 201: { description: 'The new admin key.', schema: ApiKeyCreatedSchema } },
    async handle({ deps }) {
      const { key, prefix, hash } = generateKey('admin');
      const row = await deps.db.prisma.apiKey.create({ data: { scope: 'admin', prefix, hash } });
      return { status: 201, body: { id: row.id, key } };
    },
  }),
  adminRoute({
    method: 'delete',
    path: '/v1/admin/keys/{keyId}',
    summary: 'Revoke an API key; it stops working at once. Revoking a revoked key changes nothing',
    tags,
    params: ApiKeyParamsSchema,
    responses: { 200: { description: 'The revoked key.', schema: ApiKeySchema } },
    problems: [404],
    async handle({ params, deps }) {
      const found = isUuid(params.keyId) ? await deps.db.prisma.apiKey.findUnique({ where: { id: params.keyId } }) : null;
      if (!found) throw problems.notFound('No such API key.');
      const row = found.revokedAt ? found : await deps.db.prisma.apiKey.update({ where: { id: found.id }, data: { revokedAt: new Date() } });
      return { status: 200, body: keyView(row) };
    },
  }),
  adminRoute({
    method: 'get',
    path: '/v1/admin/audit',
    summary: 'The audit log of mutations, newest first, optionally for one customer',
    tags,
    query: AuditListQuerySchema,
    responses: { 200: { description: 'One page of audit events.', schema: AuditListSchema } },
    async handle({ query, deps }) {
      const { items, nextCursor } = await createdPage(
        query,
        (window) => deps.db.prisma.auditEvent.findMany({ ...window, where: { ...(query.customerId && { customerId: query.customerId }), ...window.where } }),
        { direction: 'desc' },
      );
      return { status: 200, body: { items: items.map(auditView), nextCursor } };
    },
  }),
];
