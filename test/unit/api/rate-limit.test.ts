import { RateLimiter } from '../../../src/api/http/rate-limit';

describe('rate limiter', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('admits a burst, then refuses with the seconds until the next token', () => {
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, clock);
    expect([1, 2, 3].map(() => limiter.admit('k').admitted)).toEqual([true, true, true]);
    expect(limiter.admit('k')).toEqual({ admitted: false, retryAfterSeconds: 1 });
    now += 500;
    expect(limiter.admit('k').admitted).toBe(true);
    expect(limiter.admit('k').admitted).toBe(false);
  });

  it('keeps keys apart', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1 }, clock);
    expect(limiter.admit('a').admitted).toBe(true);
    expect(limiter.admit('a').admitted).toBe(false);
    expect(limiter.admit('b').admitted).toBe(true);
  });

  it('refills to the burst, not beyond', () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 2 }, clock);
    limiter.admit('k');
    limiter.admit('k');
    now += 60_000;
    expect([1, 2, 3].map(() => limiter.admit('k').admitted)).toEqual([true, true, false]);
  });

  it('a slow rate gives a longer Retry-After', () => {
    const limiter = new RateLimiter({ perSecond: 0.1, burst: 1 }, clock);
    limiter.admit('k');
    expect(limiter.admit('k')).toEqual({ admitted: false, retryAfterSeconds: 10 });
  });
});
