/**
 * A worker killed with SIGKILL in the middle of a delivery activity: the activity is retried on a
 * new worker after its heartbeat times out, redoes only what was not recorded, and no node's copy
 * expires.
 */
import { csvMapping, Engine } from '../support/engine';
import { eventually } from '../support/eventually';
import { expiredSeconds, ledgerOf } from '../support/ledger';

const NODES = 400;
const CONCURRENCY = 8;

describe('worker crash', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.start('crash', {
      workerEnv: { COURIER_DELIVERY_CONCURRENCY: String(CONCURRENCY), COURIER_DELIVERY_BATCH: '200' },
    });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('loses no deadline when the worker dies mid-activity', async () => {
    // Slow nodes stretch one pass over the shard to ~10 s, so the kill lands inside an activity.
    engine.fleet.setFaults([{ mode: 'latency', ms: 200 }]);
    const uri = await engine.putMapping('crash/nodes.csv', csvMapping('k-', NODES));
    await engine.registerService('crash', uri, { ttlSeconds: 90, refreshBeforeSeconds: 45 });

    const atKill = await eventually('a quarter of the nodes delivered', async () => {
      const ledger = ledgerOf(engine.fleet, 'crash');
      return ledger.size >= NODES / 4 ? ledger.size : undefined;
    }, 60_000, 100);
    expect(atKill).toBeLessThan(NODES);
    await engine.worker.stop('SIGKILL');
    await engine.worker.start();

    const ledger = await eventually('every node delivered after the restart', async () => {
      const l = ledgerOf(engine.fleet, 'crash');
      return l.size === NODES ? l : undefined;
    }, 90_000);
    // Only acks not yet written when the worker died are redone: at most one unwritten chunk
    // (100 records) plus what was in flight.
    const deliveries = [...ledger.values()].reduce((s, n) => s + n.deliveries, 0);
    console.log(`[measure] crash: ${atKill} of ${NODES} delivered at SIGKILL; ${deliveries - NODES} delivered twice`);
    expect(deliveries - NODES).toBeLessThanOrEqual(100 + CONCURRENCY);

    // Through the next refresh cycle, still nothing expired.
    engine.fleet.clearFaults();
    await eventually('every node refreshed once more', async () => {
      const l = ledgerOf(engine.fleet, 'crash');
      return [...l.values()].every((n) => n.deliveries >= 2) ? true : undefined;
    }, 90_000);
    expect(expiredSeconds(ledgerOf(engine.fleet, 'crash').values())).toBe(0);
  });
});
