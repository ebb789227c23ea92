/**
 * Mapping changes are events, not polls: MinIO's bucket notification reaches the API's
 * /v1/mapping-events and only the services reading the object are told; the fleet's resync
 * makes good an event that never came. No service checks its object on a timer.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { csvMapping, Engine } from '../support/engine';
import { eventually } from '../support/eventually';
import { ledgerOf } from '../support/ledger';

/** A bucket with no notifications configured: what a lost event looks like. */
const QUIET_BUCKET = 'courier-quiet';

describe('mapping events', () => {
  let engine: Engine;
  beforeAll(async () => {
    const buckets = 'courier-mappings,courier-quiet';
    engine = await Engine.start('events', {
      apiConfig: { COURIER_MAPPING_BUCKETS: buckets.split(',') },
      workerEnv: { COURIER_MAPPING_BUCKETS: buckets, COURIER_FLEET_TICK_SECONDS: '1', COURIER_MAPPING_RESYNC_SECONDS: '2' },
    });
    await engine.s3.send(new CreateBucketCommand({ Bucket: QUIET_BUCKET })).catch(() => undefined);
    // This file's customer may read mappings from the quiet bucket too.
    const tenant = await engine.createTenant('events', '');
    const grant = await engine.api('POST', `/v1/admin/customers/${tenant.id}/mapping-grants`, { bucket: QUIET_BUCKET, prefix: '' }, engine.adminKey);
    expect(grant.status).toBe(201);
    engine.customerKey = tenant.key;
  });
  afterAll(async () => {
    await engine?.close();
  });

  const delivered = (service: string, prefix: string, count: number) => async () => {
    const ledger = ledgerOf(engine.fleet, service);
    return Array.from({ length: count }, (_, i) => `${prefix}${i}`).every((n) => ledger.has(n)) ? true : undefined;
  };

  it('a mapping written to the bucket reaches its service within seconds, with no reload call', async () => {
    const uri = await engine.putMapping('events/nodes.csv', csvMapping('ev-', 5));
    const id = await engine.registerService('evented', uri, { ttlSeconds: 3600, refreshBeforeSeconds: 1200 });
    await eventually('first mapping delivered', delivered('evented', 'ev-', 5));

    // Nothing is due for the hour and nothing polls: the event is the only way the change gets in.
    await engine.putMapping('events/nodes.csv', csvMapping('ev-', 10));
    await eventually('the added nodes delivered', delivered('evented', 'ev-', 10), 30_000, 100);
    const status = await engine.api('GET', `/v1/services/${id}`);
    expect(status.body.mapping.nodeCount).toBe(10);
  });

  it('the resync tells a service whose object changed without an event', async () => {
    const key = 'resync/nodes.csv';
    const put = (body: string) => engine.s3.send(new PutObjectCommand({ Bucket: QUIET_BUCKET, Key: key, Body: body }));
    await put(csvMapping('rs-', 3));
    await engine.registerService('resynced', `s3://${QUIET_BUCKET}/${key}`, { ttlSeconds: 3600, refreshBeforeSeconds: 1200 });
    await eventually('first mapping delivered', delivered('resynced', 'rs-', 3));
    await put(csvMapping('rs-', 6));
    await eventually('the added nodes delivered after a resync', delivered('resynced', 'rs-', 6), 60_000, 250);
  });

  it('refuses events without the bucket-events token', async () => {
    const body = { Records: [{ eventName: 's3:ObjectCreated:Put', s3: { bucket: { name: 'courier-mappings' }, object: { key: 'events/nodes.csv' } } }] };
    const wrong = await engine.api('POST', '/v1/mapping-events', body, 'not-the-token-at-all');
    expect(wrong.status).toBe(401);
    const right = await engine.api('POST', '/v1/mapping-events', body, process.env.COURIER_BUCKET_EVENTS_TOKEN);
    expect(right.status).toBe(200);
    expect(right.body).toEqual({ objects: 1, services: 1 });
  });
});
