/**
 * A refresh-all's marking against real PostgreSQL: in paced batches along the primary key, every
 * node of the service ends up due, nodes due earlier keep their time, and other services are
 * untouched.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/db';
import { markAllDue, MARK_DUE_BATCH } from '../../src/engine/delivery/node-store';

const db = connectDatabase(loadConfig().DATABASE_URL);
afterAll(() => db.close());

async function serviceWithNodes(nodes: number, dueInSeconds: number): Promise<string> {
  const customer = await db.prisma.customer.create({ data: { name: `mark-due-${randomUUID()}` } });
  const service = await db.prisma.service.create({
    data: {
      customerId: customer.id,
      name: `mark-due-${randomUUID()}`,
      status: 'active',
      mappingUri: 's3://courier-mappings/mark-due.csv',
      metadataUrl: 'http://127.0.0.1:1/metadata',
      ttlSeconds: 3600,
      refreshBeforeSeconds: 600,
      deliveryEndpoint: 'http://{node}/metadata',
      deliveryTimeoutMs: 1000,
      signingSecret: 'x'.repeat(32),
    },
  });
  await db.pool.query(
    `INSERT INTO nodes (service_id, node_id, hash, shard, next_due_at)
     SELECT $1, 'node-' || i, i, i % 4, now() + make_interval(secs => $3) FROM generate_series(1, $2) AS i`,
    [service.id, nodes, dueInSeconds],
  );
  return service.id;
}

const dueCounts = async (serviceId: string, now: Date) =>
  (
    await db.pool.query<{ at_now: number; earlier: number; later: number }>(
      `SELECT count(*) FILTER (WHERE next_due_at = $2)::int AS at_now, count(*) FILTER (WHERE next_due_at < $2)::int AS earlier,
              count(*) FILTER (WHERE next_due_at > $2)::int AS later
       FROM nodes WHERE service_id = $1`,
      [serviceId, now],
    )
  ).rows[0];

describe('markAllDue', () => {
  it('marks every node of the service due, over several batches, and no other service', async () => {
    const nodes = 2 * MARK_DUE_BATCH + 500;
    const refreshed = await serviceWithNodes(nodes, 3000);
    const other = await serviceWithNodes(10, 3000);
    // A few nodes already overdue: a refresh-all must not push them later.
    await db.pool.query(`UPDATE nodes SET next_due_at = now() - interval '1 minute' WHERE service_id = $1 AND node_id IN ('node-7', 'node-1999')`, [refreshed]);

    const now = new Date();
    let batches = 0;
    await markAllDue(db.pool, refreshed, now, async () => void batches++);

    expect(await dueCounts(refreshed, now)).toEqual({ at_now: nodes - 2, earlier: 2, later: 0 });
    // Each statement waited for its turn first.
    expect(batches).toBe(3);
    expect(await dueCounts(other, now)).toEqual({ at_now: 0, earlier: 0, later: 10 });
  });

  it('marks a service of exactly one batch, and one with no nodes, without error', async () => {
    const full = await serviceWithNodes(MARK_DUE_BATCH, 3000);
    const empty = await serviceWithNodes(0, 3000);
    const now = new Date();
    const unpaced = async () => undefined;
    await markAllDue(db.pool, full, now, unpaced);
    await markAllDue(db.pool, empty, now, unpaced);
    expect(await dueCounts(full, now)).toEqual({ at_now: MARK_DUE_BATCH, earlier: 0, later: 0 });
  });
});
