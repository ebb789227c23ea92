/**
 * Contract 1 against a real PostgreSQL and Temporal, with no worker (test/support/api-suite.ts).
 * Tenant isolation across every route: another customer's resources are unknown.
 */
import { apiRoutes } from '../../../src/api/routes';
import { secretsKeyring } from '../../../src/config';
import { nodeAuthorization, pullToken } from '../../../src/domain/node-credential';
import { parseKeyring } from '../../../src/domain/secret-box';
import { useApiSuite, config, db, api, ADMIN, serviceBody, newCustomer, newService, insertNode, inOneHour } from '../../support/api-suite';

useApiSuite('api-tenant-isolation');

describe('tenant isolation', () => {
  test("every service route answers 404 for another customer's service, exactly as for an unknown one", async () => {
    const a = await newCustomer('a');
    const b = await newCustomer('b');
    const id = await newService(a.key, 'private');
    await insertNode(id, 'n1', { expiresAt: inOneHour() });
    const scoped = apiRoutes.filter((route) => route.serviceScoped);
    expect(scoped.length).toBeGreaterThanOrEqual(8);

    for (const route of scoped) {
      const path = route.path.replace('{id}', id).replace('{nodeId}', 'n1');
      // A body that would be valid for the route, so only ownership can fail.
      const body = route.method === 'patch' ? { ttlSeconds: 7200 } : route.bodyRequired ? serviceBody('x') : undefined;
      const foreign = await api.call(route.method.toUpperCase(), path, { key: b.key, body });
      expect({ route: `${route.method} ${route.path}`, status: foreign.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 404,
      });
      const unknown = await api.call(route.method.toUpperCase(), route.path.replace('{id}', '00000000-0000-4000-8000-000000000000').replace('{nodeId}', 'n1'), {
        key: b.key,
        body,
      });
      expect(foreign.body).toEqual(unknown.body);
    }
    // Nothing B did reached A's service.
    const row = await db.prisma.service.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'active', ttlSeconds: 3600 });
    expect((await api.call('GET', `/v1/services/${id}`, { key: a.key })).status).toBe(200);
  });

  test('every other route is checked too: admin routes refuse customer keys, customer-wide routes show only the caller, node routes only the node', async () => {
    const a = await newCustomer('a');
    const b = await newCustomer('b');
    const id = await newService(a.key, 'mine');
    const secretA = 'a'.repeat(40);
    const secretB = 'b'.repeat(40);
    const serviceA = await newService(a.key, 'pulled-a', { signingSecret: secretA });
    const serviceB = await newService(b.key, 'pulled-b', { signingSecret: secretB });
    await insertNode(serviceA, 'n1');
    await insertNode(serviceB, 'n1');
    // Customer routes not scoped to one service, each with the check that it stays in the caller's tenancy.
    const customerWide: Record<string, () => Promise<void>> = {
      'get /v1/services': async () => {
        const r = await api.call('GET', '/v1/services', { key: b.key });
        expect(r.body.items.map((s: { id: string }) => s.id)).not.toContain(id);
      },
      'get /v1/notifications': async () => {
        await db.prisma.notification.create({ data: { customerId: a.id, serviceId: id, kind: 'breach', severity: 'critical', message: 'for a' } });
        const r = await api.call('GET', '/v1/notifications', { key: b.key });
        expect(r.body.items.map((n: { serviceId: string }) => n.serviceId)).not.toContain(id);
      },
      'post /v1/services': async () => {
        const r = await api.call('POST', '/v1/services', { key: b.key, body: serviceBody('mine') });
        expect(r.status).toBe(201);
        expect(r.body.id).not.toBe(id);
      },
      'get /v1/quotas': async () => {
        await db.prisma.customer.update({ where: { id: a.id }, data: { quotas: { services: 3 } } });
        const r = await api.call('GET', '/v1/quotas', { key: b.key });
        const own = await db.prisma.service.count({ where: { customerId: b.id, status: { not: 'deleting' } } });
        expect(r.body.usage.services).toBe(own);
        expect(r.body.quotas.services).toBe(config.COURIER_QUOTA_SERVICES);
        expect(r.body.overridden).toEqual([]);
      },
    };
    // Node routes, each with the check that only the named node's own credential opens it, and
    // that an unknown service looks the same as a wrong credential.
    const nodeWide: Record<string, () => Promise<void>> = {
      'get /v1/nodes/{nodeId}/metadata': async () => {
        const pull = (service: string, node: string, authorization?: string, key?: string) =>
          api.call('GET', `/v1/nodes/${node}/metadata?service=${service}`, { key, headers: authorization ? { authorization } : {} });
        const inAnHour = new Date(Date.now() + 3600_000);
        const token = (serviceId: string, nodeId: string, keyring = secretsKeyring(config), expiresAt = inAnHour) =>
          nodeAuthorization(pullToken(keyring, { serviceId, nodeId, expiresAt }));
        const otherKeyring = parseKeyring(Buffer.alloc(32, 1).toString('base64'));
        const refusals = [
          await pull(serviceB, 'n1', undefined, b.key),
          await pull(serviceB, 'n1', undefined, ADMIN()),
          await pull(serviceB, 'n1', token(serviceA, 'n1')),
          await pull(serviceB, 'n1', token(serviceB, 'n1', otherKeyring)),
          await pull(serviceA, 'n1', token(serviceA, 'n2')),
          await pull(serviceA, 'n1', token(serviceA, 'n1', undefined, new Date(Date.now() - 1000))),
          await pull('00000000-0000-4000-8000-000000000000', 'n1', token('00000000-0000-4000-8000-000000000000', 'n1')),
        ];
        for (const r of refusals) {
          expect(r.status).toBe(401);
          expect(r.headers.get('www-authenticate')).toBe('Courier-Node');
        }
        const [, , wrongService, ...sameAnswer] = refusals;
        for (const r of sameAnswer) expect(r.body).toEqual(wrongService!.body);
        // The right credential gets past authentication: to a missing node, or a source that is down here.
        expect((await pull(serviceB, 'n2', token(serviceB, 'n2'))).status).toBe(404);
        const down = await pull(serviceB, 'n1', token(serviceB, 'n1'));
        expect(down.status).toBe(503);
        expect(down.headers.get('retry-after')).toBe('5');
        expect((await db.pool.query('SELECT last_error FROM nodes WHERE service_id = $1', [serviceB])).rows).toEqual([{ last_error: null }]);
      },
    };
    for (const route of apiRoutes.filter((r) => !r.serviceScoped)) {
      const name = `${route.method} ${route.path}`;
      if (route.access === 'node') {
        expect({ name, checked: name in nodeWide }).toEqual({ name, checked: true });
        await nodeWide[name]!();
      } else if (route.access === 'bucket') {
        // Only the deployment's bucket-events token opens it, not a customer's key.
        const r = await api.call(route.method.toUpperCase(), route.path, { key: a.key, body: { Records: [] } });
        expect({ name, status: r.status }).toEqual({ name, status: 401 });
      } else if (route.access === 'admin') {
        const path = route.path.replace(/\{\w+\}/g, a.id);
        const r = await api.call(route.method.toUpperCase(), path, { key: a.key, body: route.bodyRequired ? { name: 'x' } : undefined });
        expect({ name, status: r.status }).toEqual({ name, status: 403 });
      } else {
        expect({ name, checked: name in customerWide }).toEqual({ name, checked: true });
        await customerWide[name]!();
      }
    }
  });
});
