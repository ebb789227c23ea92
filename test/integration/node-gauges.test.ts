/**
 * The node gauges' one grouped query against PostgreSQL: every state, at risk and breach as
 * src/domain/node-state.ts defines them, coverage per service, and deleting services left out —
 * read from the shard summaries delivery runs leave, recounting only a shard whose summary went
 * stale since (a copy expired after its run).
 * Other test files leave services behind in the same database, so the fleet-wide gauges are
 * compared before and after adding this file's nodes, at one fixed instant.
 */
import { randomUUID } from 'node:crypto';
import { Registry, type Gauge } from 'prom-client';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/db';
import { computeNodeGauges, createNodeGauges, showNodeGauges, type NodeGauges } from '../../src/observability/node-gauges';
import { summarizeShard } from '../../src/store/shard-summaries';

const db = connectDatabase(loadConfig().DATABASE_URL);
const now = new Date();
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

afterAll(async () => {
  await db.close();
});

async function addService(customerId: string, name: string, status: 'active' | 'deleting'): Promise<string> {
  const id = randomUUID();
  await db.pool.query(
    `INSERT INTO services (id, customer_id, name, status, mapping_uri, metadata_url, ttl_seconds, refresh_before_seconds,
                           delivery_endpoint, delivery_timeout_ms, signing_secret, updated_at)
     VALUES ($1, $2, $3, $4, 's3://b/k', 'http://m', 3600, 1200, 'http://{node}', 5000, repeat('x', 32), now())`,
    [id, customerId, name, status],
  );
  return id;
}

async function addNodes(serviceId: string, nodes: { expiresAt: Date | null; lastError: string | null }[]): Promise<void> {
  await db.pool.query(
    `INSERT INTO nodes (service_id, node_id, hash, shard, next_due_at, expires_at, last_error)
     SELECT $1, 'n' || i, 0, 0, now(), e, l FROM unnest($2::timestamptz[], $3::text[]) WITH ORDINALITY AS r(e, l, i)`,
    [serviceId, nodes.map((n) => n.expiresAt), nodes.map((n) => n.lastError)],
  );
}

/** The gauges after one collection at `now`, by label where they have one. */
async function snapshot(gauges: NodeGauges) {
  showNodeGauges(gauges, await computeNodeGauges(db.pool, now), now);
  const byLabel = async (gauge: Gauge<string>, label: string) =>
    Object.fromEntries((await gauge.get()).values.map((v) => [String(v.labels[label]), v.value]));
  const single = async (gauge: Gauge) => (await gauge.get()).values[0]?.value ?? NaN;
  return {
    states: await byLabel(gauges.nodes, 'state'),
    services: await byLabel(gauges.serviceCoverage, 'service_id'),
    atRisk: await single(gauges.atRisk),
    collectedAt: await single(gauges.collectedAt),
  };
}

it('counts states (expired: the breaches), at risk and per-service coverage in one pass, leaving deleting services out', async () => {
  const gauges = createNodeGauges(new Registry());
  const before = await snapshot(gauges);

  const customerId = (await db.prisma.customer.create({ data: { name: `gauges-${Date.now().toString(36)}` } })).id;
  const mixed = await addService(customerId, 'mixed', 'active');
  // refreshBefore 1200 s: at risk once a failing node has 600 s or less left.
  await addNodes(mixed, [
    { expiresAt: at(1800), lastError: null },
    { expiresAt: null, lastError: null },
    { expiresAt: at(1000), lastError: 'connection refused' },
    { expiresAt: at(100), lastError: 'connection refused' },
    { expiresAt: null, lastError: 'node answered 503' },
    { expiresAt: at(-60), lastError: null },
  ]);
  const covered = await addService(customerId, 'covered', 'active');
  await addNodes(covered, [{ expiresAt: at(1800), lastError: null }]);
  const leaving = await addService(customerId, 'leaving', 'deleting');
  await addNodes(leaving, [{ expiresAt: at(-60), lastError: 'gone' }]);
  // Their last delivery runs were two minutes ago: since then a copy of `mixed` expired, so its
  // summary is stale and recounted; that of `covered` is current and read as it is — a node
  // added behind its back is not seen until its next run.
  for (const id of [mixed, covered, leaving]) await summarizeShard(db.pool, id, 0, at(-120));
  await db.pool.query(`INSERT INTO nodes (service_id, node_id, hash, shard) VALUES ($1, 'unseen', 0, 0)`, [covered]);

  const after = await snapshot(gauges);
  const grew = (state: string) => (after.states[state] ?? 0) - (before.states[state] ?? 0);
  expect({ fresh: grew('fresh'), pending: grew('pending'), failing: grew('failing'), expired: grew('expired') }).toEqual({
    fresh: 2,
    pending: 1,
    failing: 3,
    expired: 1,
  });
  expect(after.atRisk - before.atRisk).toBe(2);
  // Covered: the fresh node and the two failing ones still holding a valid copy.
  expect(after.services[mixed]).toBeCloseTo(3 / 6);
  expect(after.services).not.toHaveProperty(covered);
  expect(after.services).not.toHaveProperty(leaving);
  expect(after.collectedAt).toBeCloseTo(now.getTime() / 1000);

  await db.pool.query(`DELETE FROM services WHERE customer_id = $1`, [customerId]);
});
