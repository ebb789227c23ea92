import { SourceLimiter } from '../../../src/engine/delivery/source-limiter';

describe('source limiter', () => {
  const track = () => {
    let inFlight = 0;
    let most = 0;
    const starts: number[] = [];
    const request = async () => {
      starts.push(Date.now());
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
    };
    return { request, most: () => most, starts };
  };

  it('keeps at most maxConcurrency requests of a service in flight', async () => {
    const limiter = new SourceLimiter(32);
    const t = track();
    await Promise.all(Array.from({ length: 12 }, () => limiter.run('s', { maxConcurrency: 3, maxRequestsPerSecond: null }, t.request)));
    expect(t.most()).toBe(3);
  });

  it("falls back to the deployment's default concurrency", async () => {
    const limiter = new SourceLimiter(2);
    const t = track();
    await Promise.all(Array.from({ length: 6 }, () => limiter.run('s', { maxConcurrency: null, maxRequestsPerSecond: null }, t.request)));
    expect(t.most()).toBe(2);
  });

  it('spaces starts by the rate limit', async () => {
    const limiter = new SourceLimiter(32);
    const t = track();
    await Promise.all(Array.from({ length: 5 }, () => limiter.run('s', { maxConcurrency: null, maxRequestsPerSecond: 50 }, t.request)));
    const spread = t.starts[t.starts.length - 1]! - t.starts[0]!;
    // Five starts at 50/s: four gaps of 20 ms (timers may fire a little late, never early).
    expect(spread).toBeGreaterThanOrEqual(78);
  });

  it('limits each service on its own', async () => {
    const limiter = new SourceLimiter(32);
    const a = track();
    const b = track();
    await Promise.all([
      ...Array.from({ length: 4 }, () => limiter.run('a', { maxConcurrency: 1, maxRequestsPerSecond: null }, a.request)),
      ...Array.from({ length: 4 }, () => limiter.run('b', { maxConcurrency: 4, maxRequestsPerSecond: null }, b.request)),
    ]);
    expect([a.most(), b.most()]).toEqual([1, 4]);
  });

  it("gives each live worker an equal share of a customer's limits", async () => {
    const limiter = new SourceLimiter(32, () => 2);
    const t = track();
    await Promise.all(Array.from({ length: 6 }, () => limiter.run('s', { maxConcurrency: 5, maxRequestsPerSecond: 100 }, t.request)));
    // 5 across 2 workers: 2 here. 100/s across 2: starts 20 ms apart here, five gaps.
    expect(t.most()).toBe(2);
    expect(t.starts[t.starts.length - 1]! - t.starts[0]!).toBeGreaterThanOrEqual(98);
  });

  it('keeps one request per worker when the limit is below the number of workers', async () => {
    const limiter = new SourceLimiter(32, () => 3);
    const t = track();
    await Promise.all(Array.from({ length: 4 }, () => limiter.run('s', { maxConcurrency: 2, maxRequestsPerSecond: null }, t.request)));
    expect(t.most()).toBe(1);
  });
});
