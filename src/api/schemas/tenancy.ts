/** Tenancy: the mapping grants an admin gives a customer, and its quotas. */
import { z } from 'zod';
import { QuotasSchema } from '../../domain/tenancy/quotas';
import { timestamp, uuid } from './common';

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

const QuotaUsageSchema = z
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
