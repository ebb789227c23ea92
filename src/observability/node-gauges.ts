import type { Pool } from 'pg';
import { Gauge, type Registry } from 'prom-client';
import { NODE_STATES, type NodeState } from '../domain/node-state';
import { readTurnResult } from '../store/fleet-turns';
import { currentShardsSql } from '../store/shard-summaries';

/** Services listed by `courier_service_coverage_ratio`, worst first: one series each, so the count is capped. */
const SERVICE_COVERAGE_LIMIT = 100;

/** The fleet-wide node picture, set by the collector below (only on workers that run it). */
export function createNodeGauges(registry: Registry) {
  const registers = [registry];
  return {
    nodes: new Gauge({
      name: 'courier_nodes',
      // state="expired" counts the breaches: copies expired before a fresh one was acked.
      help: 'Nodes of all live services, by state (expired: a breach).',
      labelNames: ['state'] as const,
      registers,
    }),
    atRisk: new Gauge({
      name: 'courier_nodes_at_risk',
      help: 'Failing nodes with less than half their refreshBefore left, or never delivered and failing.',
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

/** What the fleet duty computes and every worker's gauges show. JSON-safe: it is kept in PostgreSQL. */
export interface NodeGaugeSnapshot {
  states: Record<NodeState, number>;
  atRisk: number;
  coverage: number;
  /** The worst-covered services below 1, worst first. */
  services: { serviceId: string; coverage: number }[];
}

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
 * One pass over the shard summaries (src/store/shard-summaries.ts), recounting from the nodes
 * only shards whose summary has gone stale: per-service counts aggregated in PostgreSQL into one
 * fleet-wide row (service_id NULL) and the worst-covered services, so at most
 * SERVICE_COVERAGE_LIMIT + 1 rows come back however many services and nodes there are.
 */
const COUNTS_SQL = `
  WITH per_service AS (
    SELECT service_id, sum(total)::int AS total, sum(fresh)::int AS fresh, sum(pending)::int AS pending,
           sum(failing)::int AS failing, sum(expired)::int AS expired, sum(covered)::int AS covered,
           sum(at_risk)::int AS at_risk
      FROM (${currentShardsSql('true')}) shards
     GROUP BY service_id
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

/** Reads the node picture of the whole fleet once (the fleet duty `node-gauges`). */
export async function computeNodeGauges(pool: Pool, now = new Date()): Promise<NodeGaugeSnapshot> {
  const { rows } = await pool.query<CountsRow>(COUNTS_SQL, [now]);
  const fleet = rows.find((r) => r.serviceId === null);
  return {
    states: Object.fromEntries(NODE_STATES.map((state) => [state, fleet?.[state] ?? 0])) as Record<NodeState, number>,
    atRisk: fleet?.atRisk ?? 0,
    coverage: fleet?.total ? fleet.covered / fleet.total : 1,
    services: rows.filter((r) => r.serviceId !== null).map((r) => ({ serviceId: r.serviceId!, coverage: r.covered / r.total })),
  };
}

/** Sets every gauge from a snapshot taken at `collectedAt`. */
export function showNodeGauges(gauges: NodeGauges, snapshot: NodeGaugeSnapshot, collectedAt: Date): void {
  for (const state of NODE_STATES) gauges.nodes.set({ state }, snapshot.states[state]);
  gauges.atRisk.set(snapshot.atRisk);
  gauges.coverage.set(snapshot.coverage);
  // A service back at full coverage must drop out, not keep its last ratio.
  gauges.serviceCoverage.reset();
  for (const s of snapshot.services) gauges.serviceCoverage.set({ service_id: s.serviceId }, s.coverage);
  gauges.collectedAt.set(collectedAt.getTime() / 1000);
}

/** The fleet duty that computes the snapshot every worker shows. */
export const NODE_GAUGES_DUTY = 'node-gauges';

/**
 * Every `everyMs`, shows the snapshot the fleet duty last computed (one small row, however big
 * the fleet), the next read timed from the end of the last so a slow database never stacks
 * queries up. A failed read leaves the gauges and their timestamp as they were: the timestamp
 * going stale is what alerts (CourierNodeGaugesStale).
 */
export function startNodeGaugeCollector(opts: {
  pool: Pool;
  gauges: NodeGauges;
  everyMs: number;
  onError: (err: unknown) => void;
}): { stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const show = async () => {
    const turn = await readTurnResult<NodeGaugeSnapshot>(opts.pool, NODE_GAUGES_DUTY);
    if (turn) showNodeGauges(opts.gauges, turn.result, turn.ranAt);
  };
  const run = async () => {
    await show().catch(opts.onError);
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
