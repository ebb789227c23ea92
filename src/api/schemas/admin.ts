/** The admin's resources: customers, API keys, the audit log. */
import { z } from 'zod';
import { cursor, limit, pageOf, timestamp, uuid } from './common';

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

const AuditEventSchema = z
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
