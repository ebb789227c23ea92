/**
 * One customer trying to make Courier a flood source, or to take more than its share: more
 * services, nodes and mapping rows than its quotas, TTLs below its minimum, forced refreshes,
 * redrives and reloads in a loop. Each is refused with a problem saying which quota; the
 * customer can read its quotas and usage, and no one else's.
 */
import { csvMapping, Engine } from '../../support/engine';
import { eventually } from '../../support/eventually';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.start('hostile-quotas');
});
afterAll(() => engine?.close());

/** A customer whose quotas an admin set to `quotas`. */
async function tenantWith(name: string, quotas: Record<string, number>) {
  const tenant = await engine.createTenant(name, `${name}/`);
  const set = await engine.api('PATCH', `/v1/admin/customers/${tenant.id}/quotas`, quotas, engine.adminKey);
  expect(set.status).toBe(200);
  return tenant;
}

const statusOf = async (id: string, key: string) => (await engine.api('GET', `/v1/services/${id}`, undefined, key)).body;

test('registering more services than the quota is a 422 naming the quota', async () => {
  const tenant = await tenantWith('many', { services: 1 });
  const uri = await engine.putMapping('many/n.csv', csvMapping('many-', 1));
  await engine.registerService('one', uri, {}, tenant.key);
  const r = await engine.api('POST', '/v1/services', engine.registration('two', uri), tenant.key);
  expect(r.status).toBe(422);
  expect(r.body).toMatchObject({ type: 'urn:courier:problem:quota-exceeded', detail: expect.stringContaining('quota of 1 services') });
});

test('a TTL below the minimum, at registration or by PATCH, is a 422 on ttlSeconds', async () => {
  const tenant = await tenantWith('short', { minTtlSeconds: 60 });
  const uri = await engine.putMapping('short/n.csv', csvMapping('short-', 1));
  const created = await engine.api('POST', '/v1/services', engine.registration('short', uri, { ttlSeconds: 20 }), tenant.key);
  expect(created.status).toBe(422);
  expect(created.body.errors).toEqual([{ in: 'body', path: 'ttlSeconds', message: 'must be at least 60 (quota minTtlSeconds)' }]);
  const id = await engine.registerService('long', uri, { ttlSeconds: 120, refreshBeforeSeconds: 40 }, tenant.key);
  const patched = await engine.api('PATCH', `/v1/services/${id}`, { ttlSeconds: 30, refreshBeforeSeconds: 10 }, tenant.key);
  expect(patched.status).toBe(422);
});

test('forced refreshes, redrives and reloads in a loop are 429s with Retry-After once the per-minute quota is used', async () => {
  const tenant = await tenantWith('loop', { forcedRefreshesPerMinute: 2, redrivesPerMinute: 1, reloadsPerMinute: 1 });
  const uri = await engine.putMapping('loop/n.csv', csvMapping('loop-', 2));
  const id = await engine.registerService('loop', uri, {}, tenant.key);
  await eventually('the service started', async () => ((await statusOf(id, tenant.key)).mapping.nodeCount === 2 ? true : undefined));
  const post = (path: string, body?: unknown) => engine.api('POST', `/v1/services/${id}${path}`, body, tenant.key);

  const refreshes = [await post('/refresh'), await post('/nodes/loop-0/refresh'), await post('/refresh')];
  expect(refreshes.map((r) => r.status === 429)).toEqual([false, false, true]);
  const refused = refreshes[2]!;
  expect(refused.body).toMatchObject({ type: 'urn:courier:problem:quota-exceeded', detail: expect.stringContaining('2 forced refreshes per minute') });
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

  expect([(await post('/nodes/redrive', {})).status, (await post('/nodes/redrive', {})).status]).toEqual([202, 429]);
  expect([(await post('/mapping/reload')).status, (await post('/mapping/reload')).status]).toEqual([202, 429]);
});

test('a mapping that would take the customer past its node quota is held with the reason, across its services', async () => {
  const tenant = await tenantWith('fleet', { nodes: 5 });
  const first = await engine.registerService('first', await engine.putMapping('fleet/a.csv', csvMapping('a-', 3)), {}, tenant.key);
  await eventually('the first mapping applied', async () => ((await statusOf(first, tenant.key)).mapping.nodeCount === 3 ? true : undefined));
  const second = await engine.registerService('second', await engine.putMapping('fleet/b.csv', csvMapping('b-', 3)), {}, tenant.key);
  const held = await eventually('the second mapping held', async () => {
    const s = await statusOf(second, tenant.key);
    return /quota of 5 nodes/.test(s.mapping.held ?? '') ? s : undefined;
  });
  expect(held.mapping.held).toContain('with the 3 of this customer');
  const { rows } = await engine.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM nodes WHERE service_id = $1', [second]);
  expect(rows[0]!.n).toBe(0);

  const usage = await engine.api('GET', '/v1/quotas', undefined, tenant.key);
  expect(usage.body).toMatchObject({ quotas: { nodes: 5 }, usage: { services: 2, nodes: 3 }, overridden: ['nodes'] });
});

test('a mapping object with more rows or bytes than the quota is not read to the end, and the mapping in force stays', async () => {
  const tenant = await tenantWith('big', { mappingRows: 10, mappingBytes: 2_000 });
  const rows = await engine.registerService('rows', await engine.putMapping('big/rows.csv', csvMapping('r-', 11)), {}, tenant.key);
  const bytes = await engine.registerService('bytes', await engine.putMapping('big/bytes.csv', `node\n${'x'.repeat(3_000)}\n`), {}, tenant.key);
  const errorOf = (id: string, pattern: RegExp) =>
    eventually(`the load of ${id} refused`, async () => {
      const s = await statusOf(id, tenant.key);
      return pattern.test(s.mapping.error ?? '') ? s.mapping.error : undefined;
    });
  expect(await errorOf(rows, /more rows than this customer's quota of 10/)).toContain('mapping in force is kept');
  expect(await errorOf(bytes, /larger than this customer's quota of 2000 bytes/)).toContain('mapping in force is kept');
});

test("a customer reads its own quotas and usage, and no one else's", async () => {
  const mine = await tenantWith('reader', { services: 7 });
  const r = await engine.api('GET', '/v1/quotas', undefined, mine.key);
  expect(r.status).toBe(200);
  expect(r.body).toEqual({
    quotas: expect.objectContaining({ services: 7, nodes: engine.config.COURIER_QUOTA_NODES }),
    usage: { services: 0, nodes: 0 },
    overridden: ['services'],
  });
  expect((await engine.api('GET', `/v1/admin/customers/${mine.id}/quotas`, undefined, mine.key)).status).toBe(403);
  expect((await engine.api('PATCH', `/v1/admin/customers/${mine.id}/quotas`, { services: 1000 }, mine.key)).status).toBe(403);
});
