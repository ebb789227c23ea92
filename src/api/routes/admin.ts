import { adminRoute, type Route } from '../http/route';
import { problems } from '../http/problem';
import { ApiKeyCreatedSchema, CreateCustomerSchema, CustomerParamsSchema, CustomerSchema } from '../schemas';
import { generateCustomerKey } from '../services/api-keys';
import { isUuid } from '../services/service-store';

const tags = ['admin'];

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
    method: 'post',
    path: '/v1/admin/customers/{id}/keys',
    summary: 'Create an API key for a customer; the key is shown only in this response',
    tags,
    params: CustomerParamsSchema,
    idempotent: true,
    responses: { 201: { description: 'The new key.', schema: ApiKeyCreatedSchema } },
    problems: [404],
    async handle({ params, deps }) {
      const customerId = params.id;
      const customer = isUuid(customerId) ? await deps.db.prisma.customer.findUnique({ where: { id: customerId } }) : null;
      if (!customer) throw problems.notFound('No such customer.');
      const { key, prefix, hash } = generateCustomerKey();
      const row = await deps.db.prisma.apiKey.create({ data: { customerId, scope: 'customer', prefix, hash } });
      return { status: 201, body: { id: row.id, key } };
    },
  }),
];
