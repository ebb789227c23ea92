import { z } from 'zod';
import { problems } from './problem';

/** Cursors are opaque to callers: base64url JSON of the last row's sort key. */
export const encodeCursor = (position: unknown): string => Buffer.from(JSON.stringify(position)).toString('base64url');

export function decodeCursor<S extends z.ZodType>(schema: S, cursor: string | undefined): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: reported below like any other foreign cursor.
  }
  throw problems.validation([{ in: 'query', path: 'cursor', message: 'is not a cursor this API returned' }]);
}

/** Lists fetch one row more than the page: its presence says whether a next page exists. */
export function page<T>(rows: T[], limit: number, position: (last: T) => unknown): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null };
}

/** The sort key of lists ordered oldest first; ids break ties between rows created in the same millisecond. */
const CreatedCursorSchema = z.object({ createdAt: z.iso.datetime(), id: z.uuid() });
type CreatedCursor = z.output<typeof CreatedCursorSchema>;

const createdPosition = (row: { createdAt: Date; id: string }): CreatedCursor => ({ createdAt: row.createdAt.toISOString(), id: row.id });

/**
 * Prisma `where` for the rows after `after` in (createdAt, id) order — oldest first, or newest
 * first with `desc`; all rows without a cursor. `createdOrder` is the matching `orderBy`.
 */
function createdAfter(after: CreatedCursor | undefined, direction: Direction = 'asc') {
  if (!after) return {};
  const createdAt = new Date(after.createdAt);
  const beyond = direction === 'asc' ? 'gt' : 'lt';
  return { OR: [{ createdAt: { [beyond]: createdAt } }, { createdAt, id: { [beyond]: after.id } }] };
}

export const createdOrder = (direction: Direction = 'asc') => [{ createdAt: direction }, { id: direction }];

type Direction = 'asc' | 'desc';

/** What a list route asks Prisma for: the rows after the cursor, in order, a page's worth. */
export interface CreatedWindow {
  where: ReturnType<typeof createdAfter>;
  orderBy: ReturnType<typeof createdOrder>;
  take: number;
}

/**
 * One page of a list in (createdAt, id) order: `find` runs the query with the window (adding its
 * own filters to `where`). A tailed list (`tail`) takes exactly a page and keeps its cursor on
 * the last page too (see tailPage).
 */
export async function createdPage<T extends { createdAt: Date; id: string }>(
  query: { cursor?: string; limit: number },
  find: (window: CreatedWindow) => Promise<T[]>,
  options: { direction?: Direction; tail?: boolean } = {},
): Promise<{ items: T[]; nextCursor: string | null }> {
  const { direction = 'asc', tail = false } = options;
  const window = {
    where: createdAfter(decodeCursor(CreatedCursorSchema, query.cursor), direction),
    orderBy: createdOrder(direction),
    take: tail ? query.limit : query.limit + 1,
  };
  const rows = await find(window);
  return tail ? tailPage(rows, query.cursor, createdPosition) : page(rows, query.limit, createdPosition);
}

/**
 * A tailed list resumes after the last row it returned, even on its last page, so rows written
 * later are found by the same cursor; an empty page hands the caller's cursor back unchanged.
 */
export function tailPage<T>(items: T[], requested: string | undefined, position: (last: T) => unknown): { items: T[]; nextCursor: string | null } {
  const last = items[items.length - 1];
  return { items, nextCursor: last === undefined ? (requested ?? null) : encodeCursor(position(last)) };
}
