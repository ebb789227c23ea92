/**
 * The stack every integration test stands on: real PostgreSQL (migrated, through Prisma), real
 * S3 (MinIO) and a real Temporal server with Courier's search attributes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/db';
import { customerIdKey, serviceIdKey, shardKey } from '../../src/workflows/search-attributes';

const config = loadConfig();

describe('the integration test stack', () => {
  it('was started (or reused) by the global setup', () => {
    expect(process.env.COURIER_TEST_STACK).toBe('1');
  });

  it('creates, reads back and deletes a customer in PostgreSQL through Prisma', async () => {
    const db = connectDatabase(config.DATABASE_URL);
    try {
      const created = await db.prisma.customer.create({ data: { name: `stack-test-${randomUUID()}` } });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);

      const read = await db.prisma.customer.findUnique({ where: { id: created.id } });
      expect(read).toEqual(created);

      await db.prisma.customer.delete({ where: { id: created.id } });
      expect(await db.prisma.customer.findUnique({ where: { id: created.id } })).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('puts, heads and gets an object in the mappings bucket, with a stable ETag', async () => {
    const s3 = new S3Client({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
      forcePathStyle: true,
    });
    const object = { Bucket: 'courier-mappings', Key: `stack-test/${randomUUID()}.csv` };
    const body = 'node,endpoint\nn-1,http://127.0.0.1:9101/nodes/n-1/metadata\n';
    try {
      const put = await s3.send(new PutObjectCommand({ ...object, Body: body }));
      // A single-part upload's ETag is the MD5 of the bytes: the mapping version Courier tracks.
      expect(put.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);

      const head = await s3.send(new HeadObjectCommand(object));
      expect(head.ETag).toBe(put.ETag);
      expect(head.ContentLength).toBe(Buffer.byteLength(body));

      const got = await s3.send(new GetObjectCommand(object));
      expect(got.ETag).toBe(put.ETag);
      expect(await got.Body?.transformToString()).toBe(body);
    } finally {
      await s3.send(new DeleteObjectCommand(object));
      s3.destroy();
    }
  });

  it("describes the Temporal namespace, which has Courier's search attributes", async () => {
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    try {
      const described = await connection.workflowService.describeNamespace({ namespace: config.TEMPORAL_NAMESPACE });
      expect(described.namespaceInfo?.name).toBe(config.TEMPORAL_NAMESPACE);

      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: config.TEMPORAL_NAMESPACE });
      for (const key of [serviceIdKey, customerIdKey, shardKey]) {
        expect({ name: key.name, type: customAttributes[key.name] }).toEqual({
          name: key.name,
          type: encodeSearchAttributeIndexedValueType(key.type),
        });
      }
    } finally {
      await connection.close();
    }
  });
});
