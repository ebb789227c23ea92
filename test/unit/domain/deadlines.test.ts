import { batchWindowMs, dueAfterAck, retryDelayMs } from '../../../src/domain/deadlines';

describe('deadlines', () => {
  it('refreshes refreshBefore ahead of the deadline', () => {
    expect(dueAfterAck(new Date('2026-01-01T01:00:00Z'), 1200).toISOString()).toBe('2026-01-01T00:40:00.000Z');
  });

  it('backs off exponentially with jitter in [cap/2, cap)', () => {
    const failing = (attempts: number) => ({ attempts, msUntilDeadline: 24 * 3600_000, deadForMs: 0 });
    expect(retryDelayMs(failing(1), 0)).toBe(500);
    expect(retryDelayMs(failing(1), 0.999)).toBeLessThan(1000);
    expect(retryDelayMs(failing(3), 0)).toBe(2000);
    expect(retryDelayMs(failing(30), 0)).toBe(30_000);
  });

  it('keeps several attempts inside a short remaining budget', () => {
    // 20 s to the deadline: retries no further apart than a quarter of it.
    for (let attempts = 1; attempts < 20; attempts++) {
      expect(retryDelayMs({ attempts, msUntilDeadline: 20_000, deadForMs: 0 }, 0.999)).toBeLessThanOrEqual(5_000);
    }
  });

  it('never gives up on a dead node, and backs off further the longer it has been dead', () => {
    // Just expired, or never delivered and failing for a minute: at the ordinary cap.
    expect(retryDelayMs({ attempts: 50, msUntilDeadline: -5_000, deadForMs: 5_000 }, 0)).toBe(30_000);
    expect(retryDelayMs({ attempts: 50, msUntilDeadline: null, deadForMs: 60_000 }, 0.5)).toBe(45_000);
    // Dead for 20 minutes: up to 10 minutes between attempts.
    expect(retryDelayMs({ attempts: 50, msUntilDeadline: -20 * 60_000, deadForMs: 20 * 60_000 }, 0.999)).toBeGreaterThan(590_000);
    expect(retryDelayMs({ attempts: 50, msUntilDeadline: null, deadForMs: 20 * 60_000 }, 0)).toBe(300_000);
    // Dead for a day: never more than deadMaxMs (30 min).
    expect(retryDelayMs({ attempts: 50, msUntilDeadline: -86_400_000, deadForMs: 86_400_000 }, 0.999)).toBeLessThan(1_800_000);
    // A dead node's first retries still start small.
    expect(retryDelayMs({ attempts: 1, msUntilDeadline: null, deadForMs: 20 * 60_000 }, 0)).toBe(500);
  });

  it('batches nodes due within a tenth of refreshBefore, at most 5 s', () => {
    expect(batchWindowMs(10)).toBe(1000);
    expect(batchWindowMs(1200)).toBe(5000);
  });
});
