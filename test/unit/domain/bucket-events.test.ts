import { BucketEventSchema, changedObjects } from '../../../src/domain/bucket-events';

const parse = (body: unknown) => changedObjects(BucketEventSchema.parse(body));

describe('bucket events', () => {
  it('reads an S3 event notification as MinIO sends it, decoding the key', () => {
    const event = {
      EventName: 's3:ObjectCreated:Put',
      Key: 'courier-mappings/acme/web+nodes%281%29.csv',
      Records: [
        {
          eventVersion: '2.0',
          eventName: 's3:ObjectCreated:Put',
          s3: { bucket: { name: 'courier-mappings', arn: 'arn:aws:s3:::courier-mappings' }, object: { key: 'acme/web+nodes%281%29.csv', eTag: '3b5d5c37', size: 12 } },
        },
      ],
    };
    expect(parse(event)).toEqual([{ bucket: 'courier-mappings', key: 'acme/web nodes(1).csv', etag: '3b5d5c37' }]);
  });

  it('a removed object has no ETag, so every service reading it checks it', () => {
    const event = { Records: [{ eventName: 's3:ObjectRemoved:Delete', s3: { bucket: { name: 'b' }, object: { key: 'k' } } }] };
    expect(parse(event)).toEqual([{ bucket: 'b', key: 'k', etag: null }]);
  });

  it('reads an EventBridge Object Created event, unquoting its ETag', () => {
    const event = { 'detail-type': 'Object Created', source: 'aws.s3', detail: { bucket: { name: 'b' }, object: { key: 'a/b.txt', etag: '"e1"' } } };
    expect(parse(event)).toEqual([{ bucket: 'b', key: 'a/b.txt', etag: 'e1' }]);
  });

  it('refuses what is neither shape', () => {
    expect(BucketEventSchema.safeParse({ Records: [{ s3: { bucket: {} } }] }).success).toBe(false);
    expect(BucketEventSchema.safeParse({ hello: 'world' }).success).toBe(false);
  });
});
