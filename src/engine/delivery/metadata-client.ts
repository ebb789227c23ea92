import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { request } from 'undici';
import { deadline } from '../../net/deadline';
import { bareEtag } from '../../domain/etag';

/** Contract 3: a body over 1 MiB is refused. */
const METADATA_MAX_BYTES = 1024 * 1024;

export interface Metadata {
  bytes: Buffer;
  /** The response's ETag, or else the SHA-256 of the bytes. */
  version: string;
  fetchedAt: Date;
}

/** The source asked us to slow down (429/503 with Retry-After). */
export class MetadataThrottled extends Error {
  constructor(
    readonly retryAfterMs: number,
    status: number,
  ) {
    super(`metadata source throttled (${status}, retry after ${Math.ceil(retryAfterMs / 1000)}s)`);
  }
}

export class MetadataUnavailable extends Error {}

/** Retry-After is either delta-seconds or an HTTP date; absent or unreadable means one second. */
function parseRetryAfter(header: string | string[] | undefined, now: number): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return 1000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - now);
}

/** `timeoutMs` is one deadline over the whole fetch, body included: a trickling source fails in time. */
export async function fetchMetadata(
  url: string,
  opts: { dispatcher: Dispatcher; timeoutMs: number; signal?: AbortSignal },
): Promise<Metadata> {
  const fetchedAt = new Date();
  const limit = deadline(opts.timeoutMs, opts.signal);
  const failed = (err: unknown, what: string) =>
    new MetadataUnavailable(limit.expired() ? `metadata source did not answer within ${opts.timeoutMs} ms` : `${what}: ${(err as Error).message}`);
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { method: 'GET', dispatcher: opts.dispatcher, signal: limit.signal });
  } catch (err) {
    throw failed(err, 'metadata source unreachable');
  }
  if (res.statusCode === 429 || res.statusCode === 503) {
    await res.body.dump().catch(() => undefined);
    throw new MetadataThrottled(parseRetryAfter(res.headers['retry-after'], Date.now()), res.statusCode);
  }
  if (res.statusCode !== 200) {
    await res.body.dump().catch(() => undefined);
    throw new MetadataUnavailable(`metadata source answered ${res.statusCode}`);
  }
  let bytes: Buffer;
  try {
    bytes = await readCapped(res.body, METADATA_MAX_BYTES);
  } catch (err) {
    throw err instanceof MetadataUnavailable ? err : failed(err, 'metadata source answer unreadable');
  }
  const etag = typeof res.headers.etag === 'string' ? bareEtag(res.headers.etag) : '';
  const version = etag.length > 0 ? etag : createHash('sha256').update(bytes).digest('hex');
  return { bytes, version, fetchedAt };
}

async function readCapped(body: Dispatcher.ResponseData['body'], max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      throw new MetadataUnavailable(`metadata larger than ${max} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}
