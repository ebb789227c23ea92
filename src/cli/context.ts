import type { z } from 'zod';
import type { CommandSpec } from './args';
import type { CourierClient } from './client';
import type { Output } from './output';

interface Context {
  client: CourierClient;
  out: Output;
}

export type Command = CommandSpec<Context>;

/** `/v1/services/{id}` with every segment encoded, so an id typed wrong reaches the API as typed. */
export const servicePath = (id: string, ...rest: string[]): string =>
  ['/v1/services', id, ...rest].map((segment, i) => (i === 0 ? segment : encodeURIComponent(segment))).join('/');

type Page = z.ZodType<{ items: unknown[]; nextCursor: string | null }>;

/** Every item of a paginated list, following nextCursor to the end. */
export async function listAll<S extends Page>(client: CourierClient, path: string, schema: S, query: Record<string, string | undefined> = {}): Promise<z.output<S>['items']> {
  const items: z.output<S>['items'] = [];
  let cursor: string | null = null;
  do {
    const page: z.output<S> = await client.get(withQuery(path, { ...query, limit: '100', cursor: cursor ?? undefined }), schema);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
