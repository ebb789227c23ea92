/**
 * The alternative paths when pushes fail, on the real stack: a node pulls its metadata itself, a
 * service's secondary endpoint takes over after the primary failed, and failing nodes are
 * redriven at once instead of at the end of their backoff.
 */
import { nodesDown } from '../../src/simulators/node-fleet';
import { csvMapping, Engine } from '../support/engine';
import { eventually } from '../support/eventually';
import { ledgerOf } from '../support/ledger';
import { freeLoopbackPort } from '../../src/net/free-port';

/** Long enough that no regular refresh cycle runs while a test looks at its nodes. */
const SLOW_CYCLE = { ttlSeconds: 600, refreshBeforeSeconds: 200 };

describe('alternative delivery paths and redrive', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.start('fallback');
  });
  afterAll(async () => {
    await engine?.close();
  });
  afterEach(() => engine.fleet.clearFaults());

  const node = async (serviceId: string, nodeId: string) => (await engine.api('GET', `/v1/services/${serviceId}/nodes/${nodeId}`)).body;
  const deliveries = (service: string, nodeId: string) => ledgerOf(engine.fleet, service).get(nodeId)?.deliveries ?? 0;

  it('a node whose push endpoint died pulls its metadata with the token of its last push, signed, and is fresh', async () => {
    const uri = await engine.putMapping('fallback/pull.csv', csvMapping('pull-', 3));
    const id = await engine.registerService('pulled', uri, SLOW_CYCLE);
    await eventually('every node acked once', async () => ([0, 1, 2].every((i) => deliveries('pulled', `pull-${i}`) === 1) ? true : undefined));
    engine.fleet.setFaults([nodesDown(['pull-0'])]);
    await engine.api('POST', `/v1/services/${id}/nodes/pull-0/refresh`);
    await eventually('pull-0 failing', async () => ((await node(id, 'pull-0')).state === 'failing' ? true : undefined));

    const outcome = await engine.fleet.pull('pull-0', 'pulled');
    expect(outcome).toMatchObject({ pulled: true });
    if (!outcome.pulled) throw new Error('not pulled');
    expect(Date.parse(outcome.expiresAt) - Date.now()).toBeGreaterThan((SLOW_CYCLE.ttlSeconds - 30) * 1000);
    expect(await node(id, 'pull-0')).toMatchObject({ state: 'fresh', lastError: null, version: outcome.version, expiresAt: outcome.expiresAt });
    expect(engine.fleet.node('pull-0', 'pulled')).toMatchObject({ deliveries: 2, pulls: 1, canPull: true });
    // The pull's answer carried a fresh token: the node can pull again without any push.
    expect(await engine.fleet.pull('pull-0', 'pulled')).toMatchObject({ pulled: true });

    const pull = (authorization: string) => fetch(`${engine.apiUrl}/v1/nodes/pull-0/metadata?service=${id}`, { headers: { authorization } });
    for (const refused of [await pull(`Courier-Node pt1.00000000.9999999999.${'A'.repeat(43)}`), await pull(`Bearer ${engine.customerKey}`)]) {
      expect(refused.status).toBe(401);
    }
  });

  it('after the primary endpoint failed, attempts go to the secondary, and its failures say so', async () => {
    engine.fleet.setFaults([nodesDown(['sec-4'])]);
    const uri = await engine.putMapping('fallback/secondary.csv', csvMapping('sec-', 5));
    const id = await engine.registerService('secondary', uri, {
      ...SLOW_CYCLE,
      delivery: {
        endpoint: `http://127.0.0.1:${await freeLoopbackPort()}/nodes/{node}/metadata`,
        secondaryEndpoint: engine.fleet.endpointTemplate,
        timeoutMs: 2000,
      },
    });
    const acked = ['sec-0', 'sec-1', 'sec-2', 'sec-3'];
    await eventually('nodes acked through the secondary', async () => (acked.every((n) => deliveries('secondary', n) === 1) ? true : undefined), 60_000);
    for (const nodeId of acked) {
      // COURIER_SECONDARY_AFTER_ATTEMPTS is 3: three refusals at the primary, then the secondary.
      expect(await node(id, nodeId)).toMatchObject({ state: 'fresh', attempts: 4, lastError: null });
    }
    const failing = await eventually('a failure at the secondary', async () => {
      const n = await node(id, 'sec-4');
      return /via secondary/.test(n.lastError ?? '') ? n : undefined;
    }, 60_000);
    // The fourth attempt is the first at the secondary; the run's quick retries may add more before this poll sees it.
    expect(failing.state).toBe('failing');
    expect(failing.attempts).toBeGreaterThanOrEqual(4);
  });

  it('redriven nodes are retried at once, not at the end of their backoff', async () => {
    const failing = ['dlq-0', 'dlq-1', 'dlq-2'];
    engine.fleet.setFaults([{ nodes: failing, mode: 'error', status: 503 }]);
    const uri = await engine.putMapping('fallback/redrive.csv', csvMapping('dlq-', 4));
    const id = await engine.registerService('redriven', uri, SLOW_CYCLE);
    await eventually('three nodes failing', async () => {
      const list = await engine.api('GET', `/v1/services/${id}/nodes?state=failing`);
      return list.body.items.length === 3 ? true : undefined;
    });

    // As if they had failed for long: their next retry ten minutes away. Parked again until no
    // attempt in flight moves one back.
    const parked = async () => {
      await engine.db.pool.query(
        `UPDATE nodes SET next_due_at = now() + interval '10 minutes' WHERE service_id = $1 AND last_error IS NOT NULL`,
        [id],
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const { rows } = await engine.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM nodes WHERE service_id = $1 AND last_error IS NOT NULL AND next_due_at > now() + interval '5 minutes'`,
        [id],
      );
      return rows[0]?.n === 3 ? true : undefined;
    };
    await eventually('failing nodes behind a long backoff', parked);
    engine.fleet.clearFaults();

    const one = await engine.api('POST', `/v1/services/${id}/nodes/redrive`, { nodeIds: ['dlq-0'] });
    expect(one).toMatchObject({ status: 202, body: { redriven: 1 } });
    await eventually('dlq-0 delivered', async () => (deliveries('redriven', 'dlq-0') === 1 ? true : undefined), 15_000);
    expect(deliveries('redriven', 'dlq-1') + deliveries('redriven', 'dlq-2')).toBe(0);

    const all = await engine.api('POST', `/v1/services/${id}/nodes/redrive`, {});
    expect(all).toMatchObject({ status: 202, body: { redriven: 2 } });
    await eventually('every redriven node delivered', async () => (failing.every((n) => deliveries('redriven', n) === 1) ? true : undefined), 15_000);
    for (const nodeId of failing) expect(await node(id, nodeId)).toMatchObject({ state: 'fresh', lastError: null });
  });
});
