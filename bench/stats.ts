/** Percentiles of a sample, in the unit of the sample. */
export interface Summary {
  count: number;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  /** Samples below zero (for lateness: early deliveries). */
  negative: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, min: null, p50: null, p90: null, p99: null, max: null, negative: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  let negative = 0;
  for (const v of sorted) if (v < 0) negative += 1;
  return { count: sorted.length, min: sorted[0] as number, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] as number, negative };
}
