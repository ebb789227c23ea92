/**
 * `Idempotency-Key` on POSTs: the first successful response is stored per caller and key, with a
 * fingerprint of the request; a retry with the same request gets that response again, a different
 * request under the same key is refused. Failures are not stored, so a corrected retry can succeed.
 */
import { createHash } from 'node:crypto';
import { Prisma } from '@prisma/client';
import type { Database } from '../../db';
import { problems } from './problem';
import type { Caller, Reply } from './route';

/** The admin has no customer id; its keys live in a scope of their own. */
const ADMIN_SCOPE = '00000000-0000-0000-0000-000000000000';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface IdempotentRequest {
  key: string | undefined;
  method: string;
  path: string;
  body: unknown;
}

export async function withIdempotency(
  db: Database,
  caller: Caller,
  request: IdempotentRequest,
  execute: () => Promise<Reply>,
): Promise<Reply> {
  const { key } = request;
  if (key === undefined) return execute();
  if (!KEY_PATTERN.test(key)) {
    throw problems.validation([{ in: 'header', path: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters' }]);
  }
  const customerId = caller.scope === 'customer' ? caller.customerId : ADMIN_SCOPE;
  const requestHash = fingerprint(request);
  const stored = await db.prisma.idempotencyRecord.findUnique({ where: { customerId_key: { customerId, key } } });
  if (stored) {
    if (stored.requestHash !== requestHash) throw problems.idempotencyMismatch();
    return { status: stored.statusCode, body: stored.body, headers: { 'Idempotent-Replayed': 'true' } };
  }
  const reply = await execute();
  if (reply.status >= 200 && reply.status < 300 && reply.contentType === undefined) {
    try {
      await db.prisma.idempotencyRecord.create({
        data: { customerId, key, requestHash, statusCode: reply.status, body: (reply.body ?? {}) as Prisma.InputJsonValue },
      });
    } catch (err) {
      // A concurrent request with the same key stored first; its record answers later retries.
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    }
  }
  return reply;
}

function fingerprint({ method, path, body }: IdempotentRequest): string {
  return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body ?? null)}`).digest('hex');
}

/** JSON with object keys sorted, so a retry that orders fields differently is the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
