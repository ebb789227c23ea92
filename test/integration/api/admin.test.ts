/**
 * Contract 1 against a real PostgreSQL and Temporal, with no worker (test/support/api-suite.ts).
 * The admin routes and authentication, and the audit log of mutations.
 */
import { createHash } from 'node:crypto';
import type { Reply } from '../../support/api';
import { useApiSuite, db, api, ADMIN, serviceBody, newCustomer } from '../../support/api-suite';

useApiSuite('api-admin');

describe('admin routes and authentication', () => {
  test('the admin key creates a customer and a key that is stored only as a hash', async () => {
    const customer = await api.call('POST', '/v1/admin/customers', { key: ADMIN(), body: { name: 'Initech' } });
    expect(customer.status).toBe(201);
    expect(customer.body).toEqual({ id: expect.any(String), name: 'Initech' });

    const created = await api.call('POST', `/v1/admin/customers/${customer.body.id}/keys`, { key: ADMIN() });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^ck_[A-Za-z0-9_-]{43}$/);
    const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row.hash).toBe(createHash('sha256').update(created.body.key).digest('hex'));
    expect(created.body.key.startsWith(row.prefix)).toBe(true);
    expect(row.scope).toBe('customer');

    const list = await api.call('GET', '/v1/services', { key: created.body.key });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [], nextCursor: null });
  });

  test('admins list customers and keys, revoke keys, and create admin keys', async () => {
    const { id, key } = await newCustomer('Hooli');
    const second = await api.call('POST', `/v1/admin/customers/${id}/keys`, { key: ADMIN() });

    const keys = await api.call('GET', `/v1/admin/customers/${id}/keys`, { key: ADMIN() });
    expect(keys.status).toBe(200);
    expect(keys.body.items).toHaveLength(2);
    expect(keys.body.items[0]).toEqual({
      id: expect.any(String),
      scope: 'customer',
      customerId: id,
      prefix: key.slice(0, 9),
      createdAt: expect.any(String),
      revokedAt: null,
    });
    expect(JSON.stringify(keys.body)).not.toContain(key);

    const customers: string[] = [];
    for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages++) {
      const r: Reply = await api.call('GET', `/v1/admin/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: ADMIN() });
      expect(r.status).toBe(200);
      customers.push(...r.body.items.map((c: { id: string }) => c.id));
      cursor = r.body.nextCursor;
    }
    expect(customers).toContain(id);
    expect(new Set(customers).size).toBe(customers.length);

    const revoked = await api.call('DELETE', `/v1/admin/keys/${keys.body.items[0].id}`, { key: ADMIN() });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect((await api.call('DELETE', `/v1/admin/keys/${keys.body.items[0].id}`, { key: ADMIN() })).body).toEqual(revoked.body);
    expect((await api.call('GET', '/v1/services', { key })).status).toBe(401);
    expect((await api.call('GET', '/v1/services', { key: second.body.key })).status).toBe(200);
    expect((await api.call('DELETE', '/v1/admin/keys/00000000-0000-4000-8000-000000000000', { key: ADMIN() })).status).toBe(404);

    const admin = await api.call('POST', '/v1/admin/keys', { key: ADMIN() });
    expect(admin.status).toBe(201);
    expect(admin.body.key).toMatch(/^ak_/);
    expect((await api.call('GET', `/v1/admin/customers/${id}/keys`, { key: admin.body.key })).status).toBe(200);
    expect((await api.call('GET', '/v1/services', { key: admin.body.key })).status).toBe(403);
  });

  test('keys for an unknown customer are 404', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const r = await api.call('POST', `/v1/admin/customers/${id}/keys`, { key: ADMIN() });
      expect(r.status).toBe(404);
    }
  });

  test('missing, malformed, unknown and revoked keys are 401 problems', async () => {
    const { key } = await newCustomer();
    const revoked = await newCustomer();
    await db.prisma.apiKey.updateMany({ where: { customerId: revoked.id }, data: { revokedAt: new Date() } });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic Zm9vOmJhcg==' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer ck_unknown' },
      { authorization: `Bearer ${revoked.key}` },
      { authorization: `Bearer ${key}x` },
    ];
    for (const headers of attempts) {
      const r = await api.call('GET', '/v1/services', { headers });
      expect(r.status).toBe(401);
      expect(r.type).toContain('application/problem+json');
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect(r.body).toMatchObject({ status: 401, title: 'Unauthorized', type: expect.any(String), detail: expect.any(String) });
    }
  });

  test('a customer key cannot use admin routes, the admin key cannot use service routes', async () => {
    const { id, key } = await newCustomer();
    expect((await api.call('POST', '/v1/admin/customers', { key, body: { name: 'x' } })).status).toBe(403);
    expect((await api.call('POST', `/v1/admin/customers/${id}/keys`, { key })).status).toBe(403);
    const r = await api.call('GET', '/v1/services', { key: ADMIN() });
    expect(r.status).toBe(403);
    expect(r.type).toContain('application/problem+json');
  });
});

describe('audit log', () => {
  test('every mutation is recorded with who, what, when and how it ended, values never', async () => {
    const { id: customerId, key } = await newCustomer('audited');
    const secret = 's'.repeat(40);
    const created = await api.call('POST', '/v1/services', { key, body: serviceBody('audited', { signingSecret: secret }) });
    expect(created.status).toBe(201);
    await api.call('PATCH', `/v1/services/${created.body.id}`, { key, body: { ttlSeconds: 7200 } });
    await api.call('DELETE', '/v1/services/00000000-0000-4000-8000-000000000000', { key });
    await api.call('GET', `/v1/services/${created.body.id}`, { key });

    expect((await api.call('GET', '/v1/admin/audit', { key })).status).toBe(403);
    const r = await api.call('GET', `/v1/admin/audit?customerId=${customerId}`, { key: ADMIN() });
    expect(r.status).toBe(200);
    const keyId = (await db.prisma.apiKey.findFirstOrThrow({ where: { customerId } })).id;
    expect(r.body.items.map((e: { method: string; route: string; status: number; fields: string[]; target: object }) => [e.method, e.route, e.status, e.fields, e.target])).toEqual([
      ['DELETE', '/v1/services/{id}', 404, [], { id: '00000000-0000-4000-8000-000000000000' }],
      ['PATCH', '/v1/services/{id}', 200, ['ttlSeconds'], { id: created.body.id }],
      ['POST', '/v1/services', 201, ['name', 'mapping', 'metadata', 'ttlSeconds', 'delivery', 'signingSecret'], {}],
    ]);
    expect(r.body.items[0].actor).toEqual({ keyId, scope: 'customer', customerId });
    expect(Date.parse(r.body.items[0].at)).toBeGreaterThan(Date.now() - 60_000);
    expect(JSON.stringify(r.body)).not.toContain(secret);

    const admins = await api.call('GET', '/v1/admin/audit?limit=1', { key: ADMIN() });
    expect(admins.body.items).toHaveLength(1);
    expect(admins.body.nextCursor).toEqual(expect.any(String));
  });
});
