/** What every route shares (the error shape, idempotency headers) and the health routes. */
import { z } from 'zod';

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
