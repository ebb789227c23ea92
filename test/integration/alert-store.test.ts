/**
 * The alert episode writers against real PostgreSQL: the SQL form of alertEvent agrees with the
 * TypeScript one, the breach sweep marks and tells expired copies no attempt recorded, once, and
 * an ack after an expiry nothing told tells the breach and its recovery.
 */
import { randomUUID } from 'node:crypto';
import { sweepBreaches } from '../../src/activities/alert-events';
import { recordAttempts } from '../../src/engine/delivery/node-store';
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

async function newService(name: string): Promise<{ id: string; node: (nodeId: string, expiresInSeconds: number, alert: NodeAlert | null) => Promise<unknown> }> {
  const customer = await db.prisma.customer.create({ data: { name } });
  const service = await db.prisma.service.create({
    data: {
      customerId: customer.id,
      name: `${name}-${randomUUID()}`,
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
  return { id: service.id, node };
}

describe('breach sweep', () => {
  it('marks copies that expired while nothing attempted them, and tells each once', async () => {
    const service = await newService('sweep');
    const { node } = service;
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

describe('an ack after an untold expiry', () => {
  it('tells the breach, at the moment of expiry, and its recovery; a told breach only recovers', async () => {
    const service = await newService('late-ack');
    await service.node('late-quiet', -30, null);
    await service.node('late-at-risk', -30, 'at_risk');
    await service.node('late-told', -30, 'breached');
    await service.node('in-time', 10, null);
    const now = new Date();
    const ack = (nodeId: string) => ({
      nodeId,
      attemptedAt: now,
      attempts: 0,
      nextDueAt: new Date(now.getTime() + 40_000),
      acked: { version: 'v2', deliveredAt: now, expiresAt: new Date(now.getTime() + 60_000) },
      failure: null,
      alert: null,
    });
    await recordAttempts(db.pool, service.id, ['late-quiet', 'late-at-risk', 'late-told', 'in-time'].map(ack));

    const { rows } = await db.pool.query(
      `SELECT node_id, kind, at < $2 AS before_ack FROM alert_events WHERE service_id = $1 ORDER BY node_id, at`,
      [service.id, now],
    );
    expect(rows).toEqual([
      { node_id: 'late-at-risk', kind: 'breach', before_ack: true },
      { node_id: 'late-at-risk', kind: 'recovered', before_ack: false },
      { node_id: 'late-quiet', kind: 'breach', before_ack: true },
      { node_id: 'late-quiet', kind: 'recovered', before_ack: false },
      { node_id: 'late-told', kind: 'recovered', before_ack: false },
    ]);
  });
});
