/**
 * The product promise on the real stack: every node of every service acked each cycle before its
 * copy expires. Three services of 1, 50 and 2,500 nodes, TTL 20 s, over at least three refreshes.
 */
import { csvMapping, Engine } from '../support/engine';
import { eventually } from '../support/eventually';
import { expiredSeconds, ledgerOf } from '../support/ledger';

const SIZES = { one: 1, fifty: 50, big: 2500 } as const;
const REFRESHES = 3;

describe('delivery engine', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.start('delivery');
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('keeps every node of three services fresh over three refresh cycles', async () => {
    const names = Object.keys(SIZES) as (keyof typeof SIZES)[];
    const ids: Record<string, string> = {};
    for (const name of names) {
      const uri = await engine.putMapping(`delivery/${name}.csv`, csvMapping(`${name}-`, SIZES[name]));
      ids[name] = await engine.registerService(`svc-${name}`, uri);
    }

    // First delivery, then REFRESHES more: every node's delivery count reaches REFRESHES + 1.
    let firstAllDeliveredAt = 0;
    let deliveriesAtFirst = 0;
    for (const name of names) {
      await eventually(
        `${name}: every node delivered ${REFRESHES + 1} times`,
        async () => {
          const ledger = ledgerOf(engine.fleet, `svc-${name}`);
          if (ledger.size < SIZES[name]) return undefined;
          const least = Math.min(...[...ledger.values()].map((n) => n.deliveries));
          if (name === 'big' && least >= 1 && firstAllDeliveredAt === 0) {
            firstAllDeliveredAt = Date.now();
            deliveriesAtFirst = [...ledger.values()].reduce((s, n) => s + n.deliveries, 0);
          }
          return least >= REFRESHES + 1 ? ledger : undefined;
        },
        150_000,
        500,
      );
    }

    for (const name of names) {
      const ledger = ledgerOf(engine.fleet, `svc-${name}`);
      expect(ledger.size).toBe(SIZES[name]);
      expect(expiredSeconds(ledger.values())).toBe(0);
      const status = await engine.api('GET', `/v1/services/${ids[name]}`);
      expect(status.status).toBe(200);
      expect(status.body.nodes.total).toBe(SIZES[name]);
      expect(status.body.nodes.expired).toBe(0);
      expect(status.body.mapping.nodeCount).toBe(SIZES[name]);
    }

    const big = ledgerOf(engine.fleet, 'svc-big');
    const total = [...big.values()].reduce((s, n) => s + n.deliveries, 0);
    const seconds = (Date.now() - firstAllDeliveredAt) / 1000;
    console.log(
      `[measure] 2,500-node service: ${total - deliveriesAtFirst} refresh deliveries in ${seconds.toFixed(1)} s ` +
        `(TTL 20 s, refreshBefore 8 s); node-seconds expired: ${expiredSeconds(big.values())}`,
    );
  });
});
