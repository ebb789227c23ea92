import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import type { S3Location } from '../domain/s3-uri';
import { readableBody, s3Failure } from './s3';

export interface RangedRead {
  /** Bytes per ranged GET; objects larger than one range are read in ranges. */
  rangeBytes: number;
  /** Ranged GETs in flight ahead of the one being parsed. */
  inFlight: number;
}

/**
 * The buffers a ranged read copies its ranges into, allocated once per read: memory is these
 * whatever the object's size (the socket's chunks die young, see collectSocketChunks; kept until
 * parsed, they outlived V8's young-generation collections and lingered as garbage until a full
 * one). A range's buffer belongs to the consumer until it gives the buffer back, possibly from
 * another thread (its ArrayBuffer transferred there and back), so a consumer slower than S3 holds
 * the read back.
 */
export class RangeBuffers {
  private readonly free: Uint8Array[];
  private readonly waiting: { resolve(buffer: Uint8Array): void; reject(err: Error): void }[] = [];
  private closed = false;

  constructor(read: RangedRead) {
    this.free = Array.from({ length: read.inFlight + 1 }, () => new Uint8Array(read.rangeBytes));
  }

  take(): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error('range buffers closed: the read was abandoned'));
    const buffer = this.free.pop();
    return buffer ? Promise.resolve(buffer) : new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  give(buffer: ArrayBuffer): void {
    const bytes = new Uint8Array(buffer);
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(bytes);
    else this.free.push(bytes);
  }

  /** The consumer stopped: a read waiting for a buffer fails instead of waiting forever. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error('range buffers closed: the read was abandoned'));
  }
}

/**
 * An object's bytes in order, read as parallel ranged GETs: while the consumer works through one
 * range, the next `inFlight` arrive. Ranges are cut at fixed byte offsets and joined again in
 * order, so the consumer sees exactly the bytes of one GET: a row, a quoted CSV field, a JSON
 * array element or a UTF-8 character across a boundary is read whole, in every format. Each
 * range is yielded at offset 0 of a buffer taken from `buffers`, which the consumer gives back
 * when done with it. Every GET is conditional on the ETag the HEAD saw: an object replaced
 * meanwhile fails the read (retryably) instead of mixing two versions.
 */
export async function* rangedBody(
  s3: S3Client,
  at: S3Location,
  object: { etag: string; size: number },
  read: RangedRead,
  buffers: RangeBuffers,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const pending: Promise<Uint8Array>[] = [];
  let next = 0;
  const launch = () => {
    const start = next;
    next = Math.min(object.size, start + read.rangeBytes);
    const end = next;
    // The GET starts once a buffer is free: never more ranges in memory than buffers.
    const bytes = buffers.take().then(async (into) => into.subarray(0, await readRange(s3, at, object.etag, { start, end, into }, stop.signal)));
    // Awaited in order below; a later range failing first must not be an unhandled rejection meanwhile.
    bytes.catch(() => undefined);
    pending.push(bytes);
  };
  try {
    while (pending.length <= read.inFlight && next < object.size) launch();
    for (let range = pending.shift(); range !== undefined; range = pending.shift()) {
      const bytes = await range;
      if (next < object.size) launch();
      yield bytes;
    }
  } finally {
    // The consumer stopped early (an error, a quota): the GETs still in flight are not needed.
    stop.abort();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Copies bytes [start, end) of the object into `into`; returns how many. */
async function readRange(
  s3: S3Client,
  at: S3Location,
  etag: string,
  range: { start: number; end: number; into: Uint8Array },
  signal: AbortSignal,
): Promise<number> {
  const { start, end, into } = range;
  const expected = end - start;
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: at.bucket, Key: at.key, Range: `bytes=${start}-${end - 1}`, IfMatch: `"${etag}"` }),
      { abortSignal: signal },
    );
    let length = 0;
    for await (const chunk of readableBody(response.Body, at.uri)) {
      if (length + chunk.length > expected) throw wrongLength(at, range, length + chunk.length);
      into.set(chunk, length);
      length += chunk.length;
    }
    if (length !== expected) throw wrongLength(at, range, length);
    collectSocketChunks();
    return length;
  } catch (err) {
    throw s3Failure(err, at.uri);
  }
}

/**
 * Frees the socket's chunks of the range just copied. They are garbage at once, but their memory
 * is outside V8's heap, and this thread allocates so little on its heap while a load runs that no
 * young-generation collection comes to free them: they piled up until V8's limit for memory
 * outside the heap (about 64 MB past the last full collection) forced a full one, 68-88 MB of a
 * million-node first load's peak RSS (docs/performance.md §3). A minor collection per range
 * (about a millisecond with the worker's 16 MB young generation) bounds them to the ranges in
 * flight. `gc` exists when the worker runs with --expose-gc (WORKER_NODE_FLAGS); a process
 * without it leaves them to V8 as before.
 */
function collectSocketChunks(): void {
  globalThis.gc?.({ type: 'minor' });
}

const wrongLength = (at: S3Location, range: { start: number; end: number }, got: number) =>
  ApplicationFailure.retryable(
    `S3 returned ${got > range.end - range.start ? 'more' : `only ${got}`} bytes of range ${range.start}-${range.end - 1} of ${at.uri}, of ${range.end - range.start}`,
    'MappingReadFailed',
  );
