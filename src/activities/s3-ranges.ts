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
 * element or a UTF-8 character across a boundary is read whole, in every format. Memory is at
 * most `inFlight + 1` ranges, whatever the object's size. Every GET is conditional on the ETag the
 * HEAD saw: an object replaced meanwhile fails the read (retryably) instead of mixing two versions.
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
  const pending: Promise<Uint8Array[]>[] = [];
  let next = 0;
  const launch = () => {
    const start = next;
    next = Math.min(object.size, start + read.rangeBytes);
    const range = readRange(s3, at, object.etag, start, next, stop.signal);
    // Awaited in order below; a later range failing first must not be an unhandled rejection meanwhile.
    range.catch(() => undefined);
    pending.push(range);
  };
  try {
    while (pending.length <= read.inFlight && next < object.size) launch();
    for (let range = pending.shift(); range !== undefined; range = pending.shift()) {
      const chunks = await range;
      if (next < object.size) launch();
      yield* chunks;
    }
  } finally {
    // The parser stopped early (an error, a quota): the GETs still in flight are not needed.
    stop.abort();
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Bytes [start, end) of the object, whole. */
async function readRange(s3: S3Client, at: S3Location, etag: string, start: number, end: number, signal: AbortSignal): Promise<Uint8Array[]> {
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: at.bucket, Key: at.key, Range: `bytes=${start}-${end - 1}`, IfMatch: `"${etag}"` }),
      { abortSignal: signal },
    );
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of readableBody(response.Body, at.uri)) {
      chunks.push(chunk);
      length += chunk.length;
    }
    if (length !== end - start) {
      throw ApplicationFailure.retryable(`S3 returned ${length} bytes of range ${start}-${end - 1} of ${at.uri}, expected ${end - start}`, 'MappingReadFailed');
    }
    return chunks;
  } catch (err) {
    throw s3Failure(err, at.uri);
  }
}
