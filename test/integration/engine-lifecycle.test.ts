/**
 * A service's life on the real stack: its mapping changes under it, rows go bad, a customer
 * forces nodes (known and new), changes the registration, and finally deletes it.
 */
import { csvMapping, Engine } from '../support/engine';
import { eventually, percentile } from '../support/eventually';
import { expiredSeconds, ledgerOf } from '../support/ledger';

describe('service lifecycle', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.start('lifecycle');
  });
  afterAll(async () => {
    await engine?.close();
  });

  const deliveriesOf = async (service: string) => {
    const ledger = ledgerOf(engine.fleet, service);
    return new Map([...ledger].map(([id, n]) => [id, n.deliveries]));
  };
  const nodeIds = async (serviceId: string) => {
    const { rows } = await engine.db.pool.query<{ node_id: string }>(
      'SELECT node_id FROM nodes WHERE service_id = $1 ORDER BY node_id',
      [serviceId],
    );
    return rows.map((r) => r.node_id);
  };

  it('delivers to added nodes and stops delivering to removed ones when the mapping changes', async () => {
    const uri = await engine.putMapping('lifecycle/change.csv', csvMapping('c-', 100));
    const id = await engine.registerService('mapping-change', uri);
    await eventually('first mapping delivered', async () => ((await deliveriesOf('mapping-change')).size === 100 ? true : undefined));

    // Nodes c-0..c-49 stay, c-50..c-99 go, a-0..a-49 arrive.
    await engine.putMapping('lifecycle/change.csv', csvMapping('c-', 50) + csvMapping('a-', 50).replace(/^node\n/, ''));
    expect((await engine.api('POST', `/v1/services/${id}/mapping/reload`)).status).toBe(202);

    await eventually('added nodes delivered', async () => {
      const seen = await deliveriesOf('mapping-change');
      return Array.from({ length: 50 }, (_, i) => `a-${i}`).every((n) => seen.has(n)) ? true : undefined;
    });
    const ids = await nodeIds(id);
    expect(ids).toHaveLength(100);
    expect(ids.filter((n) => n.startsWith('c-')).map((n) => Number(n.slice(2))).every((i) => i < 50)).toBe(true);

    // Removed nodes receive nothing more while kept ones are refreshed again.
    const atRemoval = await deliveriesOf('mapping-change');
    await eventually('kept nodes refreshed again', async () => {
      const now = await deliveriesOf('mapping-change');
      return now.get('c-0')! > atRemoval.get('c-0')! && now.get('a-0')! > atRemoval.get('a-0')! ? true : undefined;
    }, 60_000);
    const after = await deliveriesOf('mapping-change');
    for (let i = 50; i < 100; i++) expect(after.get(`c-${i}`)).toBe(atRemoval.get(`c-${i}`));
    const status = await engine.api('GET', `/v1/services/${id}`);
    expect(status.body.mapping.nodeCount).toBe(100);
  });

  it('counts and reports malformed rows and still delivers the good ones', async () => {
    const mapping = ['node,endpoint', 'good-1,', 'bad id,', 'good-2,', `${'x'.repeat(300)},`, 'good-3,not a url', 'good-4,'].join('\n');
    const uri = await engine.putMapping('lifecycle/malformed.csv', mapping);
    const id = await engine.registerService('malformed', uri);
    await eventually('good rows delivered', async () => {
      const seen = await deliveriesOf('malformed');
      return ['good-1', 'good-2', 'good-4'].every((n) => seen.has(n)) ? true : undefined;
    });
    const status = await engine.api('GET', `/v1/services/${id}`);
    expect(status.body.mapping.badRows).toBe(3);
    expect(status.body.mapping.nodeCount).toBe(3);
    const lines = (status.body.mapping.badRowSamples ?? []).map((b: { line: number }) => b.line);
    expect(lines).toEqual([3, 5, 6]);
  });

  it('forces delivery to a known node and to a new one, answering 200 with the version', async () => {
    const uri = await engine.putMapping('lifecycle/forced.csv', csvMapping('f-', 20));
    const id = await engine.registerService('forced', uri);
    await eventually('mapping delivered', async () => ((await deliveriesOf('forced')).size === 20 ? true : undefined));

    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const nodeId = i % 2 === 0 ? `f-${i}` : `new-${i}`;
      const started = performance.now();
      const res = await engine.api('POST', `/v1/services/${id}/nodes/${nodeId}/refresh`, {});
      latencies.push(performance.now() - started);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ nodeId, version: expect.any(String), deliveredAt: expect.any(String), expiresAt: expect.any(String) });
    }
    console.log(
      `[measure] forced refresh over the API (20 calls): p50 ${percentile(latencies, 50).toFixed(0)} ms, ` +
        `p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
    );

    // A new node is persisted and kept in later cycles.
    const node = await engine.api('GET', `/v1/services/${id}/nodes/new-1`);
    expect(node.status).toBe(200);
    expect(node.body.state).toBe('fresh');
    const before = (await deliveriesOf('forced')).get('new-1')!;
    await eventually('new node refreshed by a regular cycle', async () =>
      (await deliveriesOf('forced')).get('new-1')! > before ? true : undefined,
    );
  });

  it('applies a PATCH to the running workflows without a delivery gap', async () => {
    const uri = await engine.putMapping('lifecycle/patch.csv', csvMapping('p-', 30));
    const id = await engine.registerService('patched', uri);
    await eventually('delivered', async () => ((await deliveriesOf('patched')).size === 30 ? true : undefined));

    const res = await engine.api('PATCH', `/v1/services/${id}`, { ttlSeconds: 30, refreshBeforeSeconds: 12 });
    expect(res.status).toBe(200);
    const patchedAt = Date.now();
    await eventually('a delivery with the new TTL', async () => {
      const ledger = ledgerOf(engine.fleet, 'patched');
      const n = ledger.get('p-0');
      return n?.expiresAt && Date.parse(n.expiresAt) - patchedAt > 25_000 ? true : undefined;
    }, 60_000);
    expect(expiredSeconds(ledgerOf(engine.fleet, 'patched').values())).toBe(0);
  });

  it('stops delivering and purges the service on DELETE', async () => {
    const uri = await engine.putMapping('lifecycle/delete.csv', csvMapping('d-', 10));
    const id = await engine.registerService('deleted', uri);
    await eventually('delivered', async () => ((await deliveriesOf('deleted')).size === 10 ? true : undefined));

    expect((await engine.api('DELETE', `/v1/services/${id}`)).status).toBe(202);
    expect((await engine.api('GET', `/v1/services/${id}`)).status).toBe(404);
    await eventually('rows purged', async () => ((await nodeIds(id)).length === 0 ? true : undefined));
    await eventually('workflows closed', async () => {
      const desc = await engine.temporal.workflow.getHandle(`service:${id}`).describe();
      return desc.status.name === 'COMPLETED' ? true : undefined;
    });
    const shard = await engine.temporal.workflow.getHandle(`service:${id}:shard:0`).describe();
    expect(shard.status.name).toBe('COMPLETED');
  });
});
