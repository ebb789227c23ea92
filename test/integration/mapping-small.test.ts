/**
 * loadSmallMapping against real PostgreSQL and MinIO: a small object is loaded (by loadMapping,
 * so into the node list), a larger one or one whose size cannot be told is left to the activity.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSmallMappingActivities, SMALL_MAPPING_BYTES } from '../../src/activities/mapping-small';
import { createS3Client } from '../../src/activities/s3';
import type { LoadMappingInput, LoadMappingResult } from '../../src/activities/types';
import { loadConfig, quotaDefaults } from '../../src/config';
import { connectDatabase } from '../../src/db';
import { createWorkerMetrics } from '../../src/observability/worker-metrics';
import { createMappingService } from '../support/mapping-services';

const BUCKET = 'courier-mappings';
const config = loadConfig();
const db = connectDatabase(config.DATABASE_URL);
const s3 = createS3Client(config);
const deps = {
  db,
  s3,
  shardSize: 1_000,
  minKeepFraction: 0.5,
  mappingBuckets: [BUCKET],
  quotaDefaults: quotaDefaults(config),
  metrics: createWorkerMetrics(),
};
const { loadSmallMapping } = createSmallMappingActivities(deps);
const run = `small-${Date.now().toString(36)}`;
let customerId: string;

beforeAll(async () => {
  customerId = (await db.prisma.customer.create({ data: { name: run, mappingGrants: { create: [{ bucket: BUCKET, prefix: `${run}/` }] } } })).id;
});
afterAll(async () => {
  await db.prisma.customer.delete({ where: { id: customerId } });
  s3.destroy();
  await db.close();
});

const serviceAt = async (name: string, uri = `s3://${BUCKET}/${run}/${name}`): Promise<string> =>
  (await createMappingService(db, { customerId, name, uri, format: 'lines' })).id;

const put = (name: string, body: string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${run}/${name}`, Body: Buffer.from(body) }));
const load = (serviceId: string, input: Partial<LoadMappingInput> = {}) =>
  new MockActivityEnvironment().run<[LoadMappingInput], LoadMappingResult | null, typeof loadSmallMapping>(loadSmallMapping, {
    serviceId,
    knownEtag: null,
    force: false,
    ...input,
  });
const nodeIds = async (serviceId: string) =>
  (await db.pool.query<{ node_id: string }>(`SELECT node_id FROM nodes WHERE service_id = $1 ORDER BY node_id`, [serviceId])).rows.map((r) => r.node_id);
/** `count` ids of 8 characters, one a line: 9 bytes a row. */
const lines = (count: number) => Array.from({ length: count }, (_, i) => `n${String(i).padStart(7, '0')}`).join('\n') + '\n';

describe('loadSmallMapping', () => {
  it("applies a new service's small mapping in one go: nodes due in shard 0, a forced node taken over, the service loaded", async () => {
    const id = await serviceAt('small');
    await db.pool.query(`INSERT INTO nodes (service_id, node_id, hash, shard, origin, next_due_at) VALUES ($1, 'b', 0, 0, 'api', now())`, [id]);
    await put('small', 'a\nb\nbad id!\na\n');
    const applied = await load(id);
    expect(applied).toMatchObject({ outcome: 'applied', nodeCount: 2, added: 1, removed: 0, badRows: 1, shardCount: 1 });
    const { rows } = await db.pool.query(`SELECT node_id, shard, origin, mapping_etag FROM nodes WHERE service_id = $1 ORDER BY node_id`, [id]);
    expect(rows).toEqual([
      { node_id: 'a', shard: 0, origin: 'mapping', mapping_etag: applied!.etag },
      { node_id: 'b', shard: 0, origin: 'mapping', mapping_etag: applied!.etag },
    ]);
    const service = await db.prisma.service.findUniqueOrThrow({ where: { id } });
    expect(service).toMatchObject({ mappingEtag: applied!.etag, mappingNodeCount: 2, mappingBadRows: 1, shardCount: 1, mappingError: null });
    // Loaded now: any later load is loadMapping's.
    expect(await load(id)).toBeNull();
  });

  it('leaves to loadMapping an object larger than SMALL_MAPPING_BYTES, and takes one of exactly that size', async () => {
    const id = await serviceAt('large');
    const body = lines(SMALL_MAPPING_BYTES / 9 + 1);
    expect(Buffer.byteLength(body)).toBeGreaterThan(SMALL_MAPPING_BYTES);
    await put('large', body);
    expect(await load(id)).toBeNull();
    expect(await nodeIds(id)).toEqual([]);
    // Exactly the bound, in 9-byte rows past the node limit: small in bytes, too many nodes.
    await put('large', body.slice(body.length - SMALL_MAPPING_BYTES));
    expect(await load(id)).toBeNull();
    // 1,000 rows of 65 or 66 bytes: exactly the bound, and the node limit.
    await put('large', Array.from({ length: 1_000 }, (_, i) => `n${String(i).padStart(i < 536 ? 64 : 63, '0')}\n`).join(''));
    expect(await load(id)).toMatchObject({ outcome: 'applied', nodeCount: 1_000, bytesRead: SMALL_MAPPING_BYTES });
  });

  it('leaves to loadMapping a first load that needs more than one shard', async () => {
    const { loadSmallMapping: smallShards } = createSmallMappingActivities({ ...deps, shardSize: 10 });
    const id = await serviceAt('sharded');
    await put('sharded', lines(11));
    expect(await new MockActivityEnvironment().run(smallShards, { serviceId: id, knownEtag: null, force: false })).toBeNull();
    expect(await load(id)).toMatchObject({ outcome: 'applied', nodeCount: 11, shardCount: 1 });
  });

  it('leaves to loadMapping what it would hold, refuse or report: empty, missing, not allowed, not granted, gone', async () => {
    const empty = await serviceAt('empty');
    await put('empty', '');
    expect(await load(empty)).toBeNull();
    await put('empty', 'bad id!\n');
    expect(await load(empty)).toBeNull();
    expect(await load(await serviceAt('missing'))).toBeNull();
    expect(await load(await serviceAt('elsewhere', `s3://other-bucket/${run}/x`))).toBeNull();
    expect(await load(await serviceAt('ungranted', `s3://${BUCKET}/not-${run}/x`))).toBeNull();
    expect(await load('00000000-0000-0000-0000-000000000000')).toBeNull();
  });
});
