import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../config';
import { bareEtag } from '../domain/etag';
import { InvalidS3UriError, type S3Location } from '../domain/s3-uri';

export type S3Settings = Pick<Config, 'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY'>;

export function createS3Client(config: S3Settings): S3Client {
  return new S3Client({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
    // S3-compatible servers (MinIO, Ceph) serve buckets by path, not by virtual host.
    forcePathStyle: true,
    // The SDK's default flexible checksums add headers some S3-compatible servers reject.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** S3 ETags come quoted; the quotes carry nothing and would clutter status output. */
const objectEtag = (etag: string | undefined, uri: string): string => {
  if (!etag) throw ApplicationFailure.retryable(`S3 returned no ETag for ${uri}`, 'MappingReadFailed');
  return bareEtag(etag);
};

export interface ObjectHead {
  etag: string;
  /** Bytes, or null when S3 did not say. */
  size: number | null;
}

export async function headObject(s3: S3Client, at: S3Location, signal?: AbortSignal): Promise<ObjectHead> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: at.bucket, Key: at.key }), { abortSignal: signal });
    return { etag: objectEtag(head.ETag, at.uri), size: head.ContentLength ?? null };
  } catch (err) {
    throw s3Failure(err, at.uri);
  }
}

export interface S3ObjectStream {
  etag: string;
  size: number | null;
  /** Errors while streaming are already S3 failures (see s3Failure). */
  body: AsyncIterable<Uint8Array>;
}

export async function getObject(s3: S3Client, at: S3Location, signal?: AbortSignal): Promise<S3ObjectStream> {
  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key }), { abortSignal: signal });
  } catch (err) {
    throw s3Failure(err, at.uri);
  }
  return { etag: objectEtag(response.ETag, at.uri), size: response.ContentLength ?? null, body: failingAsS3(readableBody(response.Body, at.uri), at.uri) };
}

export function readableBody(body: unknown, uri: string): AsyncIterable<Uint8Array> {
  if (body === null || typeof body !== 'object' || !(Symbol.asyncIterator in body)) {
    throw ApplicationFailure.retryable(`S3 returned no readable body for ${uri}`, 'MappingReadFailed');
  }
  return body as AsyncIterable<Uint8Array>;
}

async function* failingAsS3(body: AsyncIterable<Uint8Array>, uri: string): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (err) {
    throw s3Failure(err, uri);
  }
}

/**
 * A Temporal failure for an S3 error: the caller's mistakes (no such object or bucket, no
 * access, a bad request) are not retried, since retrying cannot fix them; server errors,
 * throttling and network trouble are.
 */
export function s3Failure(err: unknown, uri: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof InvalidS3UriError) return ApplicationFailure.nonRetryable(err.message, 'MappingUriInvalid');
  const cause = err instanceof Error ? err : undefined;
  const name = cause?.name ?? 'Error';
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  const fail = (type: string, message: string, nonRetryable: boolean) =>
    ApplicationFailure.create({ type, message, nonRetryable, cause });
  if (status === 404 || name === 'NoSuchKey' || name === 'NoSuchBucket') {
    return fail('MappingNotFound', `mapping object ${uri} does not exist (${name}: no such bucket or key)`, true);
  }
  // A conditional ranged read (s3-ranges.ts) of an object replaced meanwhile: the next attempt reads the new one.
  if (status === 412 || name === 'PreconditionFailed') {
    return fail('MappingChanged', `mapping ${uri} was replaced while it was read (${name}); reading it again`, false);
  }
  if (status === 403 || name === 'AccessDenied') {
    return fail('MappingAccessDenied', `access denied reading mapping ${uri} (${name}): Courier's S3 credentials need s3:GetObject on it`, true);
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return fail('MappingUnreadable', `S3 refused to read mapping ${uri}: HTTP ${status} ${name}${cause ? `: ${cause.message}` : ''}`, true);
  }
  return fail('MappingReadFailed', `cannot read mapping ${uri}: ${status ? `HTTP ${status} ` : ''}${name}${cause?.message ? `: ${cause.message}` : ''}`, false);
}
