/**
 * Deliveries that keep their deadlines through trouble: nodes failing intermittently, and a
 * metadata source that throttles. Courier retries inside each node's budget and honours the
 * source's Retry-After, and no node's copy expires.
 */
import { startMetadataSource } from '../../src/simulators/metadata-source';
import { failingRate } from '../../src/simulators/node-fleet';
import { csvMapping, Engine } from '../support/engine';
import { eventually } from '../support/eventually';
import { expiredSeconds, ledgerOf } from '../support/ledger';

const NODES = 200;
const CYCLES = 3;

describe('resilience', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.start('resilience');
  });
  afterAll(async () => {
    engine.fleet.clearFaults();
    engine.source.setThrottle(null);
    await engine?.close();
  });

  const deliveredEveryCycle = (service: string) =>
    eventually(
      `${service}: every node delivered ${CYCLES} times`,
      async () => {
        const ledger = ledgerOf(engine.fleet, service);
        return ledger.size === NODES && Math.min(...[...ledger.values()].map((n) => n.deliveries)) >= CYCLES ? ledger : undefined;
      },
      150_000,
      500,
    );

  it('delivers every node before its deadline while 10% of deliveries fail', async () => {
    engine.fleet.setFaults([failingRate(0.1, 503)]);
    const uri = await engine.putMapping('resilience/flaky.csv', csvMapping('flaky-', NODES));
    await engine.registerService('flaky', uri);
    const ledger = await deliveredEveryCycle('flaky');
    engine.fleet.clearFaults();
    const stats = engine.fleet.stats();
    console.log(`[measure] 10% failing: ${stats.faulted} faulted requests, node-seconds expired ${expiredSeconds(ledger.values())}`);
    expect(stats.faulted).toBeGreaterThan(0);
    expect(expiredSeconds(ledger.values())).toBe(0);
  });

  it('slows down for a throttling metadata source and still keeps every deadline', async () => {
    engine.source.resetStats();
    // Enough capacity for 200 nodes on a 20 s TTL, but not for a whole batch at once.
    engine.source.setThrottle({ status: 429, retryAfterSeconds: 1, maxPerSecond: 40 });
    const uri = await engine.putMapping('resilience/throttled.csv', csvMapping('throttled-', NODES));
    await engine.registerService('throttled', uri, { metadata: { url: `${engine.source.url}/v1/metadata?service={service}&node={node}` } });
    const ledger = await deliveredEveryCycle('throttled');
    const { requests, throttled } = engine.source.stats();
    engine.source.setThrottle(null);
    console.log(`[measure] throttled source: ${requests} requests, ${throttled} answered 429, for ${NODES * CYCLES} deliveries`);
    expect(throttled).toBeGreaterThan(0);
    // After a 429 the rest of a batch waits out Retry-After instead of asking again: most requests are served.
    expect(throttled).toBeLessThan(requests / 2);
    expect(expiredSeconds(ledger.values())).toBe(0);
  });

  it("keeps a metadata source within the limits its customer stated", async () => {
    // A source of its own, which answers 429 above 25 requests/s; the customer states 20/s.
    const source = await startMetadataSource({ port: 0, throttle: { status: 429, retryAfterSeconds: 1, maxPerSecond: 25 } });
    try {
      const size = 100;
      const uri = await engine.putMapping('resilience/stated.csv', csvMapping('stated-', size));
      const id = await engine.registerService('stated', uri, {
        metadata: { url: `${source.url}/v1/metadata?service={service}&node={node}`, maxRequestsPerSecond: 20, maxConcurrency: 4 },
      });
      const started = Date.now();
      await eventually('every node delivered once', async () => (ledgerOf(engine.fleet, 'stated').size === size ? true : undefined), 60_000, 200);
      const seconds = (Date.now() - started) / 1000;
      const { requests, throttled } = source.stats();
      console.log(`[measure] stated limit 20/s: ${requests} source requests for ${size} nodes in ${seconds.toFixed(1)} s, ${throttled} answered 429`);
      expect(throttled).toBe(0);
      expect(requests).toBeGreaterThanOrEqual(size);
      // 100 starts spaced 50 ms apart cannot finish in under 4.95 s.
      expect(seconds).toBeGreaterThanOrEqual(4.9);
      expect((await engine.api('GET', `/v1/services/${id}`)).body.metadata).toMatchObject({ maxRequestsPerSecond: 20, maxConcurrency: 4 });
    } finally {
      await source.close();
    }
  });
});
