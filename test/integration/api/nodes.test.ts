/**
 * Contract 1 against a real PostgreSQL and Temporal, with no worker (test/support/api-suite.ts). A
 * service's nodes: reads, filters, forced refreshes and redrives.
 */
import { useApiSuite, db, api, fieldPaths, newCustomer, newService, insertNode, inOneHour, anHourAgo } from '../../support/api-suite';

useApiSuite('api-nodes');

describe('nodes', () => {
  let key: string;
  let id: string;
  beforeAll(async () => {
    ({ key } = await newCustomer());
    id = await newService(key, 'fleet');
    await insertNode(id, 'a-fresh', { expiresAt: inOneHour(), version: 'v1' });
    await insertNode(id, 'b-failing', { expiresAt: inOneHour(), lastError: 'HTTP 503' });
    await insertNode(id, 'c-expired', { expiresAt: anHourAgo(), version: 'v0' });
    await insertNode(id, 'd-pending');
    await insertNode(id, 'e-failing', { lastError: 'connection refused' });
    await insertNode(id, 'host.example:1');
  });

  test('one node, with its state derived from its delivery columns', async () => {
    const r = await api.call('GET', `/v1/services/${id}/nodes/b-failing`, { key });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      nodeId: 'b-failing',
      state: 'failing',
      version: null,
      deliveredAt: expect.any(String),
      expiresAt: expect.any(String),
      attempts: 1,
      lastError: 'HTTP 503',
      endpoint: null,
      shard: 0,
      alert: null,
      alertSince: null,
    });
    expect((await api.call('GET', `/v1/services/${id}/nodes/host.example:1`, { key })).body.state).toBe('pending');
    expect((await api.call('GET', `/v1/services/${id}/nodes/c-expired`, { key })).body.state).toBe('expired');
    expect((await api.call('GET', `/v1/services/${id}/nodes/nope`, { key })).status).toBe(404);
    const bad = await api.call('GET', `/v1/services/${id}/nodes/${encodeURIComponent('bad id')}`, { key });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ in: 'path', path: 'nodeId', message: expect.any(String) }]);
  });

  test('the list filters by state and pages by node id', async () => {
    const failing = await api.call('GET', `/v1/services/${id}/nodes?state=failing`, { key });
    expect(failing.body.items.map((n: { nodeId: string }) => n.nodeId)).toEqual(['b-failing', 'e-failing']);
    expect(failing.body.nextCursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=4&cursor=${cursor}` : '?limit=4';
      const r = await api.call('GET', `/v1/services/${id}/nodes${query}`, { key });
      seen.push(...r.body.items.map((n: { nodeId: string }) => n.nodeId));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['a-fresh', 'b-failing', 'c-expired', 'd-pending', 'e-failing', 'host.example:1']);

    const bad = await api.call('GET', `/v1/services/${id}/nodes?state=sleepy`, { key });
    expect(bad.status).toBe(400);
    expect(fieldPaths(bad)).toEqual(['state']);
  });

  test('a forced refresh validates its node id and body', async () => {
    const bad = await api.call('POST', `/v1/services/${id}/nodes/${encodeURIComponent('no spaces')}/refresh`, { key });
    expect(bad.status).toBe(400);
    expect(fieldPaths(bad)).toEqual(['nodeId']);
    const endpoint = await api.call('POST', `/v1/services/${id}/nodes/n1/refresh`, { key, body: { endpoint: 'file:///etc/passwd' } });
    expect(endpoint.status).toBe(400);
    expect(fieldPaths(endpoint)).toEqual(['endpoint']);
    const extra = await api.call('POST', `/v1/services/${id}/nodes/n1/refresh`, { key, body: { version: 'v9' } });
    expect(fieldPaths(extra)).toEqual(['version']);
  });

  test('a forced refresh before the shard workflow exists is a 503 with Retry-After', async () => {
    // No worker runs here, so the service workflow never starts its shards.
    const r = await api.call('POST', `/v1/services/${id}/nodes/a-fresh/refresh`, { key });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('2');
  });

  test('breached lists the expired nodes: the dead letters with failing ones', async () => {
    const breached = await api.call('GET', `/v1/services/${id}/nodes?state=breached`, { key });
    expect(breached.status).toBe(200);
    expect(breached.body.items.map((n: { nodeId: string }) => n.nodeId)).toEqual(['c-expired']);
  });

  test('redrive makes failing and expired nodes due now with a fresh backoff, named ones or all', async () => {
    const redrive = (body?: unknown, headers?: Record<string, string>) => api.call('POST', `/v1/services/${id}/nodes/redrive`, { key, body, headers });
    expect(fieldPaths(await redrive({ nodeIds: [] }))).toEqual(['nodeIds']);
    expect(fieldPaths(await redrive({ nodeIds: Array.from({ length: 1001 }, (_, i) => `n-${i}`) }))).toEqual(['nodeIds']);
    expect(fieldPaths(await redrive({ nodeIds: ['bad id'] }))).toEqual(['nodeIds[0]']);

    // Every node sleeping through a long backoff.
    await db.pool.query(`UPDATE nodes SET next_due_at = now() + interval '1 hour', attempts = 7 WHERE service_id = $1`, [id]);
    const due = async () =>
      (
        await db.pool.query<{ node_id: string }>(
          `SELECT node_id FROM nodes WHERE service_id = $1 AND next_due_at <= now() AND attempts = 0 ORDER BY node_id`,
          [id],
        )
      ).rows.map((r) => r.node_id);

    const named = await redrive({ nodeIds: ['b-failing', 'a-fresh', 'unknown'] }, { 'idempotency-key': `redrive-${Date.now()}` });
    expect({ status: named.status, body: named.body }).toEqual({ status: 202, body: { redriven: 1 } });
    expect(await due()).toEqual(['b-failing']);

    const all = await redrive();
    expect(all.body).toEqual({ redriven: 3 });
    expect(await due()).toEqual(['b-failing', 'c-expired', 'e-failing']);
  });
});
