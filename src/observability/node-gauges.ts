import type { Pool } from 'pg';
import { Gauge, type Registry } from 'prom-client';
import { DEFAULT_AT_RISK_FRACTION, NODE_STATES, nodeAtRiskSql, nodeCountsSql } from '../domain/node-state';

/** Services listed by `courier_service_coverage_ratio`, worst first: one series each, so the count is capped. */
export const SERVICE_COVERAGE_LIMIT = 100;

/** The fleet-wide node picture, set by the collector below (only on workers that run it). */
export function createNodeGauges(registry: Registry) {
  const registers = [registry];
  return {
    nodes: new Gauge({
      name: 'courier_nodes',
      help: 'Nodes of all live services, by state.',
      labelNames: ['state'] as const,
      registers,
    }),
    atRisk: new Gauge({
      name: 'courier_nodes_at_risk',
      help: 'Failing nodes with less than half their refreshBefore left, or never delivered and failing.',
      registers,
    }),
    breached: new Gauge({
      name: 'courier_nodes_breached',
      help: 'Nodes whose copy expired before a fresh one was acked (state expired).',
      registers,
    }),
    coverage: new Gauge({
      name: 'courier_coverage_ratio',
      help: 'Fraction of all nodes holding valid, unexpired metadata (1 when there are no nodes).',
      registers,
    }),
    serviceCoverage: new Gauge({
      name: 'courier_service_coverage_ratio',
      help: `Coverage of services below 1, the worst ${SERVICE_COVERAGE_LIMIT} only.`,
      labelNames: ['service_id'] as const,
      registers,
    }),
    collectedAt: new Gauge({
      name: 'courier_node_gauge_collected_timestamp_seconds',
      help: 'When the node gauges were last collected, in Unix seconds; stale means they describe the past.',
      registers,
    }),
  };
}

export type NodeGauges = ReturnType<typeof createNodeGauges>;

interface CountsRow {
  serviceId: string | null;
  total: number;
  fresh: number;
  pending: number;
  failing: number;
  expired: number;
  covered: number;
  atRisk: number;
}

/**
 * One grouped pass over `nodes`: per-service counts aggregated in PostgreSQL into one fleet-wide
 * row (service_id NULL) and the worst-covered services, so at most SERVICE_COVERAGE_LIMIT + 1 rows
 * come back however many services and nodes there are.
 */
const COUNTS_SQL = `
  WITH per_service AS (
    SELECT n.service_id, ${nodeCountsSql('$1')},
           count(*) FILTER (WHERE n.expires_at > $1)::int AS covered,
           count(*) FILTER (WHERE ${nodeAtRiskSql('$1', 's.refresh_before_seconds', '$2::float8')})::int AS at_risk
      FROM nodes n JOIN services s ON s.id = n.service_id
     WHERE s.status <> 'deleting'
     GROUP BY n.service_id
  )
  SELECT NULL::uuid AS "serviceId", sum(total)::float8 AS total, sum(fresh)::float8 AS fresh,
         sum(pending)::float8 AS pending, sum(failing)::float8 AS failing, sum(expired)::float8 AS expired,
         sum(covered)::float8 AS covered, sum(at_risk)::float8 AS "atRisk"
    FROM per_service
  UNION ALL
  (SELECT service_id, total, fresh, pending, failing, expired, covered, at_risk
     FROM per_service WHERE covered < total
    ORDER BY covered::float8 / total, service_id
    LIMIT ${SERVICE_COVERAGE_LIMIT})`;

/** Reads the node picture once and sets every gauge from it. */
export async function collectNodeGauges(pool: Pool, gauges: NodeGauges, now = new Date()): Promise<void> {
  const { rows } = await pool.query<CountsRow>(COUNTS_SQL, [now, DEFAULT_AT_RISK_FRACTION]);
  const fleet = rows.find((r) => r.serviceId === null);
  for (const state of NODE_STATES) gauges.nodes.set({ state }, fleet?.[state] ?? 0);
  gauges.atRisk.set(fleet?.atRisk ?? 0);
  gauges.breached.set(fleet?.expired ?? 0);
  gauges.coverage.set(fleet?.total ? fleet.covered / fleet.total : 1);
  // A service back at full coverage must drop out, not keep its last ratio.
  gauges.serviceCoverage.reset();
  for (const row of rows) {
    if (row.serviceId !== null) gauges.serviceCoverage.set({ service_id: row.serviceId }, row.covered / row.total);
  }
  gauges.collectedAt.set(now.getTime() / 1000);
}

/**
 * Collects every `everyMs`, the next run timed from the end of the last so a slow database never
 * stacks queries up. A failed run leaves the gauges and their timestamp as they were: the
 * timestamp going stale is what alerts (CourierNodeGaugesStale).
 */
export function startNodeGaugeCollector(opts: {
  pool: Pool;
  gauges: NodeGauges;
  everyMs: number;
  onError: (err: unknown) => void;
}): { stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const run = async () => {
    await collectNodeGauges(opts.pool, opts.gauges).catch(opts.onError);
    if (!stopped) timer = setTimeout(() => void run(), opts.everyMs).unref();
  };
  void run();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
