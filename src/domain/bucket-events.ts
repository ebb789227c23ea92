/**
 * Bucket notifications, in the two shapes S3-compatible stores send: S3 event notifications
 * (`{ Records: [{ s3: { bucket, object } }] }`, sent by MinIO's webhook target and by S3 to
 * SQS/SNS/Lambda) and EventBridge events (`{ "detail-type": "Object Created", detail: {...} }`).
 * Senders add fields of their own, so unknown fields are allowed here, unlike in Contract 1.
 */
import { z } from 'zod';
import { bareEtag } from './etag';

const ObjectRef = z.object({ key: z.string().min(1).max(1024), eTag: z.string().max(200).optional(), etag: z.string().max(200).optional() });

const S3Record = z.object({
  eventName: z.string().max(200).optional(),
  s3: z.object({ bucket: z.object({ name: z.string().min(1).max(255) }), object: ObjectRef }),
});

export const BucketEventSchema = z.union([
  z.object({ Records: z.array(S3Record).max(1000) }),
  z.object({
    'detail-type': z.string().max(200),
    detail: z.object({ bucket: z.object({ name: z.string().min(1).max(255) }), object: ObjectRef }),
  }),
]);

export type BucketEvent = z.infer<typeof BucketEventSchema>;

export interface ChangedObject {
  bucket: string;
  key: string;
  /** The new ETag, unquoted; null for a deletion or when the event has none. */
  etag: string | null;
}

/**
 * The objects an event says were written or removed. S3 sends keys URL-encoded with `+` for a
 * space; both kinds of change matter (a removed mapping fails its next load, and says so).
 */
export function changedObjects(event: BucketEvent): ChangedObject[] {
  const entries = 'Records' in event ? event.Records.map((r) => ({ bucket: r.s3.bucket.name, object: r.s3.object, removed: /ObjectRemoved/.test(r.eventName ?? '') }))
    : [{ bucket: event.detail.bucket.name, object: event.detail.object, removed: /Deleted/i.test(event['detail-type']) }];
  return entries.map(({ bucket, object, removed }) => {
    const etag = removed ? null : (object.eTag ?? object.etag ?? null);
    return { bucket, key: decodeKey(object.key), etag: etag === null || etag === '' ? null : bareEtag(etag) };
  });
}

function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}
