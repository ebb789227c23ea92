/**
 * Which mapping objects a customer may have Courier read: an admin grants bucket and key-prefix
 * pairs. A customer naming another customer's object in a shared bucket is refused, at
 * registration and again at every load, so a grant revoked since stops the next load.
 */
import type { S3Location } from '../s3-uri';

export interface MappingGrant {
  bucket: string;
  /** Keys starting with this; empty: the whole bucket. */
  prefix: string;
}

export function grantCovers(grants: readonly MappingGrant[], location: Pick<S3Location, 'bucket' | 'key'>): boolean {
  return grants.some((grant) => grant.bucket === location.bucket && location.key.startsWith(grant.prefix));
}
