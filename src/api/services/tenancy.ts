/**
 * What a customer may do, as the API checks it: which mapping objects it may name (its grants)
 * and how much it may ask of Courier (its quotas). The workers check grants, node counts and
 * mapping size again at every load (src/activities/mapping.ts).
 */
import type { Service } from '@prisma/client';
import { quotaDefaults } from '../../config';
import { parseS3Uri } from '../../domain/s3-uri';
import { grantCovers } from '../../domain/tenancy/mapping-grants';
import { effectiveQuotas, type Quotas } from '../../domain/tenancy/quotas';
import type { AppDeps } from '../deps';
import { problems } from '../http/problem';
import { admit, perMinute } from '../http/rate-limit';
import type { Registration } from '../schemas/services';

async function customerQuotas(deps: AppDeps, customerId: string): Promise<Quotas> {
  const customer = await deps.db.prisma.customer.findUnique({ where: { id: customerId }, select: { quotas: true } });
  return effectiveQuotas(quotaDefaults(deps.config), customer?.quotas);
}

/** Services registered now, and the nodes their mappings in force list. */
export async function quotaUsage(deps: AppDeps, customerId: string): Promise<{ services: number; nodes: number }> {
  const { rows } = await deps.db.pool.query<{ services: number; nodes: number }>(
    `SELECT count(*)::int AS services, coalesce(sum(mapping_node_count), 0)::int AS nodes
       FROM services WHERE customer_id = $1 AND status <> 'deleting'`,
    [customerId],
  );
  return rows[0] ?? { services: 0, nodes: 0 };
}

/**
 * A registration (new, or `current` changed by a PATCH) within the customer's grants and
 * quotas. Messages repeat only what the caller sent, never what another customer has.
 */
export async function checkTenancy(deps: AppDeps, customerId: string, reg: Registration, current?: Service): Promise<void> {
  const grants = await deps.db.prisma.mappingGrant.findMany({ where: { customerId }, select: { bucket: true, prefix: true } });
  if (!grantCovers(grants, parseS3Uri(reg.mapping.uri))) {
    throw problems.mappingNotGranted([{ in: 'body', path: 'mapping.uri', message: 'is not in a bucket and prefix granted to this customer' }]);
  }
  const quotas = await customerQuotas(deps, customerId);
  if (reg.ttlSeconds < quotas.minTtlSeconds && reg.ttlSeconds !== current?.ttlSeconds) {
    throw problems.quotaExceeded(`ttlSeconds below this customer's minimum of ${quotas.minTtlSeconds}.`, [
      { in: 'body', path: 'ttlSeconds', message: `must be at least ${quotas.minTtlSeconds} (quota minTtlSeconds)` },
    ]);
  }
  if (!current && (await quotaUsage(deps, customerId)).services >= quotas.services) {
    throw problems.quotaExceeded(`This customer has its quota of ${quotas.services} services; delete one or ask an admin for more.`);
  }
}

type RateQuota = 'forcedRefreshesPerMinute' | 'redrivesPerMinute' | 'reloadsPerMinute';

const RATE_WORDS: Record<RateQuota, string> = {
  forcedRefreshesPerMinute: 'forced refreshes',
  redrivesPerMinute: 'redrives',
  reloadsPerMinute: 'mapping reloads',
};

/** Takes one of the customer's per-minute actions, shared by every API process; 429 past the quota. */
export async function spendRateQuota(deps: AppDeps, customerId: string, quota: RateQuota): Promise<void> {
  const limit = (await customerQuotas(deps, customerId))[quota];
  const admission = await admit(deps.db.pool, `quota:${customerId}:${quota}`, perMinute(limit));
  if (!admission.admitted) {
    throw problems.quotaRateExceeded(`This customer's quota of ${limit} ${RATE_WORDS[quota]} per minute is used up; retry after the given delay.`, admission.retryAfterSeconds);
  }
}
