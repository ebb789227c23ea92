/**
 * PromQL as far as the ops tests need it: which metrics an expression selects, and every series
 * Courier's processes export. The registries are built by the same factories the API and the
 * worker use; the Temporal SDK's series come from the list the worker serves them by
 * (src/observability/sdk-metrics.ts, which test/integration/worker-metrics.test.ts checks
 * against a real worker).
 */
import type { Registry } from 'prom-client';
import { createHttpMetrics } from '../../src/api/http/metrics';
import { createNodeGauges } from '../../src/observability/node-gauges';
import { sdkSeriesNames } from '../../src/observability/sdk-metrics';
import { createWorkerMetrics } from '../../src/observability/worker-metrics';

const PROMQL_WORDS = new Set([
  // aggregation operators and keywords
  ...['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile'],
  ...['limitk', 'limit_ratio', 'and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right'],
  ...['bool', 'offset', 'atan2', 'inf', 'nan'],
  // functions (usually followed by "(", which the tokenizer skips anyway)
  ...['abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'delta', 'deriv', 'exp'],
  ...['floor', 'histogram_quantile', 'holt_winters', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'ln'],
  ...['log2', 'log10', 'predict_linear', 'rate', 'resets', 'round', 'scalar', 'sort', 'sort_desc', 'sqrt', 'time'],
  ...['timestamp', 'vector', 'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time'],
  ...['quantile_over_time', 'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'present_over_time'],
]);

/**
 * The metric names an expression selects: identifiers followed by `{`, `[`, a space, `)` or the
 * end, once string literals, label matchers, grouping label lists and ranges are emptied and the
 * PromQL words are set aside.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1()')
    .replace(/\[[^\]]*\]/g, '[]');
  const names = [...bare.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?=[{[)\s]|$)/g)].map(([, name = '']) => name);
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n)))];
}

/** Every series name a registry exposes, histograms and summaries with their suffixed series. */
async function exported(registry: Registry): Promise<string[]> {
  const metrics = await registry.getMetricsAsJSON();
  return metrics.flatMap(({ name, type }) => {
    // prom-client declares `type` a numeric enum, but it holds the exposition's type name.
    const kind = String(type);
    if (kind === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
    if (kind === 'summary') return [name, `${name}_sum`, `${name}_count`];
    return [name];
  });
}


/** Every series Courier exports, and `up`, Prometheus's own one per scrape target. */
export async function exportedMetrics(): Promise<Set<string>> {
  const worker = createWorkerMetrics();
  createNodeGauges(worker.registry);
  return new Set(['up', ...(await exported(createHttpMetrics().registry)), ...(await exported(worker.registry)), ...sdkSeriesNames()]);
}
