/**
 * Contract 1 in zod, one file per resource (src/api/schemas/*.ts): every request is validated
 * against these and the OpenAPI document is generated from them, so the two cannot drift.
 * Requests are strict (unknown fields are errors); response schemas document what handlers
 * return. This file holds the pieces several resources use.
 */
import { z } from 'zod';
import { isHttpUrl } from '../../domain/http-url';
import { expandTemplate } from '../../domain/protocol';

export const httpUrl = z.string().max(2048).refine(isHttpUrl, 'must be an absolute http:// or https:// URL');

/** An http(s) URL that may contain `{service}` and `{node}`, substituted URL-encoded per node. */
export const urlTemplate = z
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

export const timestamp = z.iso.datetime();
export const uuid = z.uuid();

export const limit = z.coerce
  .number({ error: 'must be an integer from 1 to 100' })
  .int('must be an integer from 1 to 100')
  .min(1, 'must be an integer from 1 to 100')
  .max(100, 'must be an integer from 1 to 100')
  .default(20);
export const cursor = z.string().max(1024).optional().meta({ description: 'nextCursor of the previous page.' });

export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id });

export const LinksSchema = z.record(z.string(), z.string()).meta({ id: 'Links' });
