/**
 * A second customer on the same deployment tries to read the first one's fleet through its
 * mapping object (same allowed bucket): registration, PATCH, a grant revoked later, and what
 * mapping errors say. Each attack must fail; the victim's node ids never reach the attacker.
 */
import { csvMapping, Engine, MAPPING_BUCKET } from '../../support/engine';
import { eventually } from '../../support/eventually';

let engine: Engine;
let victimUri: string;
let attacker: { id: string; key: string };

beforeAll(async () => {
  engine = await Engine.start('hostile-mapping');
  victimUri = await engine.putMapping('victim/nodes.csv', csvMapping('victim-secret-', 3));
  await engine.registerService('victim', victimUri);
  attacker = await engine.createTenant('attacker', 'attacker/');
});
afterAll(() => engine?.close());

const serviceStatus = async (id: string, key: string) => (await engine.api('GET', `/v1/services/${id}`, undefined, key)).body;

test("registering a service on another customer's mapping object is a 403 on mapping.uri, and shows none of it", async () => {
  const r = await engine.api('POST', '/v1/services', engine.registration('stolen', victimUri), attacker.key);
  expect(r.status).toBe(403);
  expect(r.body).toMatchObject({ type: 'urn:courier:problem:mapping-not-granted', errors: [{ in: 'body', path: 'mapping.uri' }] });
  expect(JSON.stringify(r.body)).not.toContain('victim-secret');
  expect((await engine.api('GET', '/v1/services', undefined, attacker.key)).body.items).toEqual([]);
});

test("a PATCH that moves a service onto another customer's object is refused and changes nothing", async () => {
  const own = await engine.putMapping('attacker/own.csv', csvMapping('attacker-', 2));
  const id = await engine.registerService('own', own, {}, attacker.key);
  const r = await engine.api('PATCH', `/v1/services/${id}`, { mapping: { uri: victimUri } }, attacker.key);
  expect(r.status).toBe(403);
  expect(r.body.errors).toEqual([{ in: 'body', path: 'mapping.uri', message: expect.any(String) }]);
  expect((await engine.db.prisma.service.findUniqueOrThrow({ where: { id } })).mappingUri).toBe(own);
});

test('a grant revoked after registration stops the next load: the object is not read again', async () => {
  const uri = await engine.putMapping('attacker/revoked.csv', csvMapping('kept-', 2));
  const id = await engine.registerService('revoked', uri, {}, attacker.key);
  await eventually('the granted mapping loaded', async () => ((await serviceStatus(id, attacker.key)).mapping.nodeCount === 2 ? true : undefined));

  const grants = await engine.api('GET', `/v1/admin/customers/${attacker.id}/mapping-grants`, undefined, engine.adminKey);
  expect(grants.body.items).toEqual([expect.objectContaining({ bucket: MAPPING_BUCKET, prefix: 'attacker/' })]);
  const revoked = await engine.api('DELETE', `/v1/admin/customers/${attacker.id}/mapping-grants/${grants.body.items[0].id}`, undefined, engine.adminKey);
  expect(revoked.status).toBe(200);

  await engine.putMapping('attacker/revoked.csv', csvMapping('kept-', 2) + csvMapping('new-', 5).replace(/^node\n/, ''));
  expect((await engine.api('POST', `/v1/services/${id}/mapping/reload`, undefined, attacker.key)).status).toBe(202);
  const status = await eventually('the load refused', async () => {
    const s = await serviceStatus(id, attacker.key);
    return /not in a bucket and prefix granted/.test(s.mapping.error ?? '') ? s : undefined;
  });
  expect(status.mapping.nodeCount).toBe(2);
  const { rows } = await engine.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM nodes WHERE service_id = $1', [id]);
  expect(rows[0]!.n).toBe(2);
});

test("a mapping error names the line and the problem, never the object's content", async () => {
  const tenant = await engine.createTenant('leaky', 'leaky/');
  const uri = await engine.putMapping('leaky/bad.csv', 'db.internal.example,token-abc123\nvictim-secret-9,http://x/\n');
  const id = await engine.registerService('leaky', uri, { mapping: { uri, format: 'csv' } }, tenant.key);
  const status = await eventually('the bad mapping judged', async () => {
    const s = await serviceStatus(id, tenant.key);
    return s.mapping.held || s.mapping.error ? s : undefined;
  });
  expect(status.mapping.held).toMatch(/no valid rows/);
  const shown = JSON.stringify(status);
  for (const secret of ['db.internal.example', 'token-abc123', 'victim-secret-9']) expect({ secret, shown: shown.includes(secret) }).toEqual({ secret, shown: false });
});
