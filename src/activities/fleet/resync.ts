import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { bareEtag } from '../../domain/etag';
import { parseS3Uri } from '../../domain/s3-uri';
import { announceMappingChange, type ServiceRef } from '../../engine/mapping-changes';

/**
 * The safety net under bucket events: lists every bucket that active services read mappings
 * from (ListObjectsV2: 1,000 keys and their ETags a call) and tells each service whose object's
 * ETag differs from the one it applied, whose object is gone, or whose last load failed. A lost
 * event is made good within one resync; nothing polls per service.
 */
export async function resyncMappings(
  deps: { pool: Pool; s3: S3Client; temporal: Client },
  q: { taskQueue: string; maxChildren: number },
): Promise<{ listed: number; signalled: number }> {
  const { rows } = await deps.pool.query<ServiceRef & { mappingUri: string; mappingEtag: string | null; mappingError: string | null }>(
    `SELECT id, customer_id AS "customerId", name, task_queue AS "taskQueue", mapping_uri AS "mappingUri",
            mapping_etag AS "mappingEtag", mapping_error AS "mappingError"
       FROM services WHERE status = 'active' AND task_queue = $1`,
    [q.taskQueue],
  );
  const byBucket = new Map<string, { service: (typeof rows)[number]; key: string }[]>();
  for (const service of rows) {
    let location;
    try {
      location = parseS3Uri(service.mappingUri);
    } catch {
      continue; // Refused at registration; its loads say why.
    }
    byBucket.set(location.bucket, [...(byBucket.get(location.bucket) ?? []), { service, key: location.key }]);
  }
  let listed = 0;
  const stale: ServiceRef[] = [];
  for (const [bucket, services] of byBucket) {
    const etags = await listEtags(deps.s3, bucket);
    listed += etags.size;
    for (const { service, key } of services) {
      const etag = etags.get(key);
      if (service.mappingError !== null || etag === undefined || etag !== service.mappingEtag) stale.push(service);
    }
  }
  await announceMappingChange(deps.temporal, stale, q.maxChildren);
  return { listed, signalled: stale.length };
}

async function listEtags(s3: S3Client, bucket: string): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key && o.ETag) etags.set(o.Key, bareEtag(o.ETag));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return etags;
}
