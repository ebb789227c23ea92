/** Where a mapping object lives, as customers name it; pure, so the API checks it without the AWS SDK. */
export interface S3Location {
  bucket: string;
  key: string;
  uri: string;
}

export class InvalidS3UriError extends Error {
  override name = 'InvalidS3UriError';
}

/** `s3://bucket/key`; the key is taken verbatim (no URL decoding), as the AWS CLI does. */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new InvalidS3UriError(`mapping URI '${uri}' is not an S3 URI of the form s3://<bucket>/<key>`);
  const [, bucket, key] = match as unknown as [string, string, string];
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new InvalidS3UriError(`mapping URI '${uri}' names an invalid bucket '${bucket}' (3-63 of a-z 0-9 . -)`);
  }
  return { bucket, key, uri };
}
