/**
 * The alert episode writers against real PostgreSQL: the SQL form of alertEvent agrees with the
 * TypeScript one, and the breach sweep marks and tells expired copies no attempt recorded, once.
 */
import { randomUUID } from 'node:crypto';
import { sweepBreaches } from '../../src/activities/alert-events';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/db';
import { alertEvent, alertEventSql, NODE_ALERTS, type NodeAlert } from '../../src/domain/alerts';
import { nodeHash } from '../../src/domain/sharding';
import { summarizeShard } from '../../src/store/shard-summaries';

const db = connectDatabase(loadConfig().DATABASE_URL);
afterAll(() => db.close());

describe('alert episodes in SQL', () => {
  const values: (NodeAlert | null)[] = [null, ...NODE_ALERTS];
  const pairs = values.flatMap((before) => values.map((after) => [before, after] as const));

  it.each(pairs)('%s → %s tells what alertEvent tells', async (before, after) => {
    const { rows } = await db.pool.query(`SELECT ${alertEventSql('$1::"NodeAlert"', '$2::"NodeAlert"')} AS event`, [before, after]);
    expect(rows[0].event).toBe(alertEvent(before, after));
  });
});

describe('breach sweep', () => {
  it('marks copies that expired while nothing attempted them, and tells each once', async () => {
    const customer = await db.prisma.customer.create({ data: { name: 'sweep' } });
    const service = await db.prisma.service.create({
      data: {
        customerId: customer.id,
        name: `sweep-${randomUUID()}`,
        status: 'active',
        mappingUri: 's3://courier-mappings/sweep.csv',
        metadataUrl: 'http://127.0.0.1:1/metadata',
        ttlSeconds: 60,
        refreshBeforeSeconds: 20,
        deliveryEndpoint: 'http://{node}/metadata',
        deliveryTimeoutMs: 1000,
        signingSecret: 'x'.repeat(32),
      },
    });
    const node = async (nodeId: string, expiresInSeconds: number, alert: NodeAlert | null) =>
      db.pool.query(
        `INSERT INTO nodes (service_id, node_id, hash, shard, expires_at, alert) VALUES ($1, $2, $3, 0, now() + make_interval(secs => $4), $5)`,
        [service.id, nodeId, nodeHash(nodeId), expiresInSeconds, alert],
      );
    await node('expired-quietly', -30, null);
    await node('expired-at-risk', -5, 'at_risk');
    await node('already-breached', -90, 'breached');
    await node('fresh', 30, null);
    // The shard's last run was two minutes ago, when every copy but the breached one was valid:
    // its summary has gone stale since, which is where the sweep looks.
    await summarizeShard(db.pool, service.id, 0, new Date(Date.now() - 120_000));

    // Other test files' rows may expire meanwhile, so the counts are checked on this service's rows only.
    expect(await sweepBreaches(db.pool, 10_000)).toBeGreaterThanOrEqual(2);
    await sweepBreaches(db.pool, 10_000);

    const { rows: nodes } = await db.pool.query(`SELECT node_id, alert FROM nodes WHERE service_id = $1 ORDER BY node_id`, [service.id]);
    expect(nodes).toEqual([
      { node_id: 'already-breached', alert: 'breached' },
      { node_id: 'expired-at-risk', alert: 'breached' },
      { node_id: 'expired-quietly', alert: 'breached' },
      { node_id: 'fresh', alert: null },
    ]);
    const { rows: events } = await db.pool.query(`SELECT node_id, kind FROM alert_events WHERE service_id = $1 ORDER BY node_id`, [service.id]);
    expect(events).toEqual([
      { node_id: 'expired-at-risk', kind: 'breach' },
      { node_id: 'expired-quietly', kind: 'breach' },
    ]);
  });
});
