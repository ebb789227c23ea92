/**
 * `Idempotency-Key` on POSTs: the first successful response is stored per API key and
 * idempotency key, with a fingerprint of the request; a retry with the same request gets that
 * response again, a different request under the same key is refused. Failures are not stored,
 * so a corrected retry can succeed. Records expire after COURIER_IDEMPOTENCY_TTL_HOURS.
 *
 * A replay must return what the first response did, secrets included (a registration's
 * signingSecret, a new API key): a client that lost the response retries for exactly that. So
 * the response is sealed, not redacted: AES-256-GCM under a key derived (HKDF) from the
 * caller's own API key, which Courier keeps only as a SHA-256 hash. The table alone opens
 * nothing; only the caller presenting its key again does. The fingerprint is an HMAC under the
 * same key, so a body's secret cannot be guessed from it either.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Prisma } from '@prisma/client';
import type { Database } from '../../db';
import { problems } from './problem';
import type { Caller } from './caller';
import type { Reply } from './route';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface IdempotentRequest {
  key: string | undefined;
  method: string;
  path: string;
  body: unknown;
  /** The caller's API key as sent: the sealing key is derived from it. */
  credential: string;
}

export interface IdempotencyStore {
  db: Database;
  ttlHours: number;
}

export async function withIdempotency(store: IdempotencyStore, caller: Caller, request: IdempotentRequest, execute: () => Promise<Reply>): Promise<Reply> {
  const { key } = request;
  if (key === undefined) return execute();
  if (!KEY_PATTERN.test(key)) {
    throw problems.validation([{ in: 'header', path: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters' }]);
  }
  const { prisma } = store.db;
  const id = { callerKeyId: caller.keyId, key };
  const sealingKey = deriveKey(request.credential, caller.keyId);
  const requestHash = fingerprint(sealingKey, request);
  const stored = await prisma.idempotencyRecord.findUnique({ where: { callerKeyId_key: id } });
  if (stored && stored.createdAt.getTime() > Date.now() - store.ttlHours * 3600_000) {
    if (stored.requestHash !== requestHash) throw problems.idempotencyMismatch();
    return { status: stored.statusCode, body: open(sealingKey, stored.sealedBody), headers: { 'Idempotent-Replayed': 'true' } };
  }
  if (stored) await prisma.idempotencyRecord.deleteMany({ where: { ...id, createdAt: stored.createdAt } });
  const reply = await execute();
  if (reply.status >= 200 && reply.status < 300 && reply.contentType === undefined) {
    try {
      await prisma.idempotencyRecord.create({
        data: { ...id, requestHash, statusCode: reply.status, sealedBody: seal(sealingKey, reply.body ?? {}) },
      });
    } catch (err) {
      // A concurrent request with the same key stored first; its record answers later retries.
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    }
  }
  return reply;
}

/** Records past their lifetime are removed, so the table holds at most a TTL's worth. */
export async function sweepIdempotency(store: IdempotencyStore): Promise<void> {
  await store.db.prisma.idempotencyRecord.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - store.ttlHours * 3600_000) } } });
}

const deriveKey = (credential: string, keyId: string): Buffer =>
  Buffer.from(hkdfSync('sha256', credential, keyId, 'courier idempotency record', 32));

function fingerprint(sealingKey: Buffer, { method, path, body }: IdempotentRequest): string {
  return createHmac('sha256', sealingKey).update(`${method} ${path}\n${canonicalJson(body ?? null)}`).digest('hex');
}

function seal(sealingKey: Buffer, body: unknown): Uint8Array<ArrayBuffer> {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealingKey, iv);
  const sealed = Buffer.concat([iv, cipher.update(JSON.stringify(body), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return new Uint8Array(sealed);
}

function open(sealingKey: Buffer, sealed: Uint8Array): unknown {
  const bytes = Buffer.from(sealed);
  const decipher = createDecipheriv('aes-256-gcm', sealingKey, bytes.subarray(0, IV_BYTES));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  return JSON.parse(plain.toString('utf8'));
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
