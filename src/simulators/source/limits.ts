import { z } from 'zod';

const Until = { untilEpochMs: z.number().int().nonnegative().optional() };

/**
 * Contract 3's "slow down": 429 or 503 with Retry-After. Either a fraction of requests
 * (`rate`), or everything over `maxPerSecond`; with neither, every request.
 */
export const ThrottleSchema = z
  .strictObject({
    status: z.union([z.literal(429), z.literal(503)]).default(429),
    retryAfterSeconds: z.number().int().min(0).default(1),
    rate: z.number().min(0).max(1).optional(),
    maxPerSecond: z.number().positive().optional(),
    ...Until,
  })
  .refine((t) => t.rate === undefined || t.maxPerSecond === undefined, 'give rate or maxPerSecond, not both');
export type Throttle = z.output<typeof ThrottleSchema>;
export type ThrottleInput = z.input<typeof ThrottleSchema>;

/** Every request fails with `status`, without Retry-After: the source is broken, not busy. */
export const OutageSchema = z.strictObject({ status: z.number().int().min(400).max(599).default(503), ...Until });
export type Outage = z.output<typeof OutageSchema>;
export type OutageInput = z.input<typeof OutageSchema>;

export type Verdict = { kind: 'serve' } | { kind: 'fail'; status: number } | { kind: 'throttle'; status: number; retryAfterSeconds: number };

const SERVE: Verdict = { kind: 'serve' };

/** Decides, per request, whether the source answers, fails or throttles. */
export class Limits {
  private outage: Outage | null = null;
  private throttle: Throttle | null = null;
  private tokens = 0;
  private refilledAt = 0;

  constructor(
    private readonly now: () => number,
    private readonly random: () => number,
  ) {}

  setThrottle(input: ThrottleInput | null): Throttle | null {
    this.throttle = input === null ? null : ThrottleSchema.parse(input);
    // A new limit starts with a full second's worth of requests.
    this.tokens = this.capacity();
    this.refilledAt = this.now();
    return this.throttle;
  }

  setOutage(input: OutageInput | null): Outage | null {
    this.outage = input === null ? null : OutageSchema.parse(input);
    return this.outage;
  }

  current(): { throttle: Throttle | null; outage: Outage | null } {
    const now = this.now();
    return { throttle: active(this.throttle, now), outage: active(this.outage, now) };
  }

  decide(): Verdict {
    const { throttle, outage } = this.current();
    if (outage) return { kind: 'fail', status: outage.status };
    if (!throttle || !this.limits(throttle)) return SERVE;
    return { kind: 'throttle', status: throttle.status, retryAfterSeconds: throttle.retryAfterSeconds };
  }

  private limits(t: Throttle): boolean {
    if (t.rate !== undefined) return this.random() < t.rate;
    if (t.maxPerSecond === undefined) return true;
    const now = this.now();
    this.tokens = Math.min(this.capacity(), this.tokens + ((now - this.refilledAt) / 1000) * t.maxPerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return true;
    this.tokens -= 1;
    return false;
  }

  private capacity(): number {
    return Math.max(1, this.throttle?.maxPerSecond ?? 0);
  }
}

const active = <T extends { untilEpochMs?: number }>(limit: T | null, now: number): T | null =>
  limit && (limit.untilEpochMs === undefined || now < limit.untilEpochMs) ? limit : null;
