import { Backoff } from '../../../src/domain/backoff';

describe('restart backoff', () => {
  const policy = { initialMs: 1000, maxMs: 8000, stableMs: 60_000 };

  it('doubles after each quick failure, up to the maximum', () => {
    const backoff = new Backoff(policy);
    expect([0, 0, 0, 0, 0, 0].map((ran) => backoff.next(ran))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('starts over after a run that lasted the stable time', () => {
    const backoff = new Backoff(policy);
    backoff.next(0);
    backoff.next(10);
    expect(backoff.next(59_999)).toBe(4000);
    expect(backoff.next(60_000)).toBe(1000);
    expect(backoff.next(0)).toBe(2000);
  });
});
