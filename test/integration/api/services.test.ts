/**
 * Contract 1 against a real PostgreSQL and Temporal, with no worker (test/support/api-suite.ts).
 * Reading, changing and deleting services, and the actions that signal their workflow.
 */
import { createHash } from 'node:crypto';
import { serviceWorkflowId } from '../../../src/workflows/service/definitions';
import { useApiSuite, db, temporal, api, fieldPaths, newCustomer, newService, insertNode, inOneHour, insertServiceRow } from '../../support/api-suite';

useApiSuite('api-services');

describe('reading services', () => {
  test('GET shows the registration and, with no worker to answer, live status from the database', async () => {
    const { key } = await newCustomer();
    const id = await newService(key, 'status-svc', { notifications: { email: 'ops@example.com' } });
    await db.prisma.service.update({
      where: { id },
      data: { mappingEtag: '"abc"', mappingNodeCount: 3, mappingLoadedAt: new Date(), mappingBadRows: 1 },
    });
    await insertNode(id, 'fresh-1', { expiresAt: inOneHour(), version: 'v1' });
    await insertNode(id, 'failing-1', { expiresAt: inOneHour(), lastError: 'HTTP 500' });
    await insertNode(id, 'pending-1');

    const r = await api.call('GET', `/v1/services/${id}`, { key });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id,
      name: 'status-svc',
      status: 'active',
      mapping: { uri: 's3://courier-mappings/api-test/nodes.txt', format: 'auto', etag: '"abc"', nodeCount: 3, badRows: 1, error: null, held: null },
      metadata: { url: 'http://127.0.0.1:9/metadata?service={service}&node={node}' },
      ttlSeconds: 3600,
      refreshBeforeSeconds: 1200,
      delivery: { endpoint: 'http://{node}:8080/metadata', secondaryEndpoint: null, timeoutMs: 5000 },
      notifications: { email: 'ops@example.com' },
      state: 'active',
      nodes: { total: 3, fresh: 1, pending: 1, failing: 1, expired: 0 },
      nextRefreshAt: expect.any(String),
    });
    expect(r.body).not.toHaveProperty('signingSecret');
  });

  test('the list pages through every visible service once, oldest first', async () => {
    const { key } = await newCustomer();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await newService(key, `page-${i}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const r = await api.call('GET', `/v1/services${query}`, { key });
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((s: { id: string }) => s.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });
});

describe('changing and deleting services', () => {
  let key: string;
  beforeAll(async () => {
    ({ key } = await newCustomer());
  });

  test('PATCH refuses the name, unknown fields and an invalid merged registration', async () => {
    const id = await newService(key, 'patch-bad', { ttlSeconds: 600 });
    const name = await api.call('PATCH', `/v1/services/${id}`, { key, body: { name: 'renamed' } });
    expect(name.status).toBe(400);
    expect(name.body.errors).toEqual([{ in: 'body', path: 'name', message: 'cannot be changed; register a new service under the new name' }]);
    const unknown = await api.call('PATCH', `/v1/services/${id}`, { key, body: { mapping: { bucket: 'x' } } });
    expect(fieldPaths(unknown)).toEqual(['mapping.bucket']);
    // Valid alone, invalid against the stored TTL.
    const lead = await api.call('PATCH', `/v1/services/${id}`, { key, body: { refreshBeforeSeconds: 600 } });
    expect(lead.status).toBe(400);
    expect(fieldPaths(lead)).toEqual(['refreshBeforeSeconds']);
    const shorter = await api.call('PATCH', `/v1/services/${id}`, { key, body: { ttlSeconds: 100 } });
    expect(fieldPaths(shorter)).toEqual(['refreshBeforeSeconds']);
  });

  test('PATCH merges, signals the workflow, and reschedules acked nodes for a new lead time', async () => {
    const id = await newService(key, 'patch-ok', { notifications: { email: 'ops@example.com' } });
    const expiresAt = inOneHour();
    await insertNode(id, 'acked', { expiresAt, version: 'v1' });
    await insertNode(id, 'failing', { expiresAt, lastError: 'timeout' });
    const before = await db.prisma.node.findUniqueOrThrow({ where: { serviceId_nodeId: { serviceId: id, nodeId: 'failing' } } });

    const r = await api.call('PATCH', `/v1/services/${id}`, {
      key,
      body: { mapping: { format: 'csv' }, refreshBeforeSeconds: 900, delivery: { timeoutMs: 2000 }, notifications: null },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      mapping: { uri: 's3://courier-mappings/api-test/nodes.txt', format: 'csv' },
      refreshBeforeSeconds: 900,
      delivery: { endpoint: 'http://{node}:8080/metadata', timeoutMs: 2000 },
      notifications: null,
    });

    const acked = await db.prisma.node.findUniqueOrThrow({ where: { serviceId_nodeId: { serviceId: id, nodeId: 'acked' } } });
    expect(acked.nextDueAt.getTime()).toBe(expiresAt.getTime() - 900_000);
    const failing = await db.prisma.node.findUniqueOrThrow({ where: { serviceId_nodeId: { serviceId: id, nodeId: 'failing' } } });
    expect(failing.nextDueAt).toEqual(before.nextDueAt);

    const history = await temporal.workflow.getHandle(serviceWorkflowId(id)).fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual(['serviceChanged']);
  });

  test('DELETE hides the service at once and asks its workflow to deregister', async () => {
    const id = await newService(key, 'doomed');
    const r = await api.call('DELETE', `/v1/services/${id}`, { key });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ id, status: 'deleting' });
    expect((await api.call('GET', `/v1/services/${id}`, { key })).status).toBe(404);
    expect((await api.call('DELETE', `/v1/services/${id}`, { key })).status).toBe(404);
    const list = await api.call('GET', '/v1/services?limit=100', { key });
    expect(list.body.items.map((s: { id: string }) => s.id)).not.toContain(id);
    expect((await db.prisma.service.findUniqueOrThrow({ where: { id } })).status).toBe('deleting');
    const history = await temporal.workflow.getHandle(serviceWorkflowId(id)).fetchHistory();
    const signals = (history.events ?? []).map((e) => e.workflowExecutionSignaledEventAttributes?.signalName).filter(Boolean);
    expect(signals).toEqual(['deregister']);
  });

  test('DELETE of a service whose workflow never started removes the row directly', async () => {
    const customerId = (await db.prisma.apiKey.findFirstOrThrow({ where: { hash: createHash('sha256').update(key).digest('hex') } })).customerId!;
    const row = await insertServiceRow(customerId, 'never-started');
    expect((await api.call('DELETE', `/v1/services/${row.id}`, { key })).status).toBe(202);
    expect(await db.prisma.service.findUnique({ where: { id: row.id } })).toBeNull();
  });

  test('refresh-all and mapping reload signal the running workflow', async () => {
    const id = await newService(key, 'signals');
    const refresh = await api.call('POST', `/v1/services/${id}/refresh`, { key });
    expect(refresh.status).toBe(202);
    expect(refresh.body).toEqual({ id, action: 'refresh', links: { status: `/v1/services/${id}` } });
    const reload = await api.call('POST', `/v1/services/${id}/mapping/reload`, { key });
    expect(reload.status).toBe(202);
    const history = await temporal.workflow.getHandle(serviceWorkflowId(id)).fetchHistory();
    const signals = (history.events ?? []).map((e) => e.workflowExecutionSignaledEventAttributes?.signalName).filter(Boolean);
    expect(signals).toEqual(['refreshAll', 'reloadMapping']);
  });
});
