import { batchWindowMs, refreshAt, retryDelayMs } from '../../../src/domain/deadlines';

describe('deadlines', () => {
  it('refreshes refreshBefore ahead of the deadline', () => {
    expect(refreshAt(new Date('2026-01-01T01:00:00Z'), 1200).toISOString()).toBe('2026-01-01T00:40:00.000Z');
  });

  it('backs off exponentially with jitter in [cap/2, cap)', () => {
    const far = 24 * 3600_000;
    expect(retryDelayMs(1, far, 0)).toBe(500);
    expect(retryDelayMs(1, far, 0.999)).toBeLessThan(1000);
    expect(retryDelayMs(3, far, 0)).toBe(2000);
    expect(retryDelayMs(30, far, 0)).toBe(30_000);
  });

  it('keeps several attempts inside a short remaining budget', () => {
    // 20 s to the deadline: retries no further apart than a quarter of it.
    for (let attempts = 1; attempts < 20; attempts++) {
      expect(retryDelayMs(attempts, 20_000, 0.999)).toBeLessThanOrEqual(5_000);
    }
  });

  it('never gives up after the deadline: retries continue at the cap', () => {
    expect(retryDelayMs(50, -5_000, 0)).toBe(30_000);
    expect(retryDelayMs(50, null, 0.5)).toBe(45_000);
  });

  it('batches nodes due within a tenth of refreshBefore, at most 5 s', () => {
    expect(batchWindowMs(10)).toBe(1000);
    expect(batchWindowMs(1200)).toBe(5000);
  });
});
