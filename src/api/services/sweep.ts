import type { AppDeps } from '../deps';
import { sweepIdempotency } from '../http/idempotency';
import { sweepRateLimits } from '../http/rate-limit';

/** Rows past their use: idempotency records older than their TTL, rate buckets full again. */
export async function sweepExpired(deps: Pick<AppDeps, 'db' | 'config'>): Promise<void> {
  await sweepIdempotency({ db: deps.db, ttlHours: deps.config.COURIER_IDEMPOTENCY_TTL_HOURS });
  await sweepRateLimits(deps.db.pool);
}
