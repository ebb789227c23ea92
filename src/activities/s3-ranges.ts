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
 * An object's bytes in order, read as parallel ranged GETs: while the parser works through one
 * range, the next `inFlight` arrive. Ranges are cut at fixed byte offsets and joined again in
 * order, so the parser sees exactly the bytes of one GET: a row, a quoted CSV field, a JSON array
 * element or a UTF-8 character across a boundary is read whole, in every format. Each range is
 * copied into one of `inFlight + 1` buffers allocated once per read and reused, so memory is
 * those buffers whatever the object's size (the socket's chunks die young; kept until parsed,
 * they outlived V8's young-generation collections and lingered as garbage until a full one).
 * Every GET is conditional on the ETag the HEAD saw: an object replaced meanwhile fails the read
 * (retryably) instead of mixing two versions.
 */
export async function* rangedBody(
  s3: S3Client,
  at: S3Location,
  object: { etag: string; size: number },
  read: RangedRead,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const free = Array.from({ length: read.inFlight + 1 }, () => Buffer.allocUnsafe(read.rangeBytes));
  const pending: { into: (typeof free)[number]; length: Promise<number> }[] = [];
  let next = 0;
  const launch = () => {
    const start = next;
    next = Math.min(object.size, start + read.rangeBytes);
    const into = free.pop()!;
    const length = readRange(s3, at, object.etag, { start, end: next, into }, stop.signal);
    // Awaited in order below; a later range failing first must not be an unhandled rejection meanwhile.
    length.catch(() => undefined);
    pending.push({ into, length });
  };
  try {
    while (free.length > 0 && next < object.size) launch();
    for (let range = pending.shift(); range !== undefined; range = pending.shift()) {
      yield range.into.subarray(0, await range.length);
      // The parser is done with these bytes: their buffer takes the next range.
      free.push(range.into);
      if (next < object.size) launch();
    }
  } finally {
    // The parser stopped early (an error, a quota): the GETs still in flight are not needed.
    stop.abort();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Copies bytes [start, end) of the object into `into`; returns how many. */
async function readRange(
  s3: S3Client,
  at: S3Location,
  etag: string,
  range: { start: number; end: number; into: Buffer },
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
    return length;
  } catch (err) {
    throw s3Failure(err, at.uri);
  }
}

const wrongLength = (at: S3Location, range: { start: number; end: number }, got: number) =>
  ApplicationFailure.retryable(
    `S3 returned ${got > range.end - range.start ? 'more' : `only ${got}`} bytes of range ${range.start}-${range.end - 1} of ${at.uri}, of ${range.end - range.start}`,
    'MappingReadFailed',
  );
