/**
 * A customer's quotas: the deployment's defaults (COURIER_QUOTA_* settings) with an admin's
 * overrides laid over them. They bound what one customer can make Courier do, so no tenant
 * turns it into a flood source or crowds out the rest.
 */
import { z } from 'zod';

const count = z.number().int().min(0).max(1e12);

export const QuotasSchema = z.strictObject({
  services: count.meta({ description: 'Services registered at once.' }),
  nodes: count.meta({ description: 'Nodes across all services; a mapping load that would exceed it is held.' }),
  minTtlSeconds: count.meta({ description: 'Smallest ttlSeconds a registration may ask for.' }),
  forcedRefreshesPerMinute: count.meta({ description: 'Forced refreshes (of one node or a whole service) per minute.' }),
  redrivesPerMinute: count.meta({ description: 'Redrives per minute.' }),
  reloadsPerMinute: count.meta({ description: 'Mapping reloads per minute.' }),
  mappingBytes: count.meta({ description: 'Largest mapping object read, in bytes.' }),
  mappingRows: count.meta({ description: 'Most rows one mapping object may hold.' }),
});

export type Quotas = z.infer<typeof QuotasSchema>;
export type QuotaName = keyof Quotas;

/** What an admin stores: any subset; null in a PATCH puts a quota back to the default. */
export const QuotaOverridesSchema = QuotasSchema.partial();
export type QuotaOverrides = z.infer<typeof QuotaOverridesSchema>;

/** Stored overrides that no longer parse (a renamed quota) fall back to the defaults, never fail a load. */
export function effectiveQuotas(defaults: Quotas, stored: unknown): Quotas {
  const parsed = QuotaOverridesSchema.safeParse(stored ?? {});
  return { ...defaults, ...(parsed.success ? parsed.data : {}) };
}

/** Overrides after a PATCH: given values replace, nulls remove. */
export function mergeOverrides(stored: unknown, patch: Partial<Record<QuotaName, number | null>>): QuotaOverrides {
  const parsed = QuotaOverridesSchema.safeParse(stored ?? {});
  const merged: Record<string, number> = { ...(parsed.success ? parsed.data : {}) };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete merged[name];
    else if (value !== undefined) merged[name] = value;
  }
  return merged;
}
