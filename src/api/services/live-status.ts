/**
 * Live status comes from the service workflow's query when a worker answers in time; otherwise
 * from the database: node counts from the node rows (exact), mapping from the columns the
 * workflow mirrors there. The answer says which source it used.
 */
import type { Service } from '@prisma/client';
import { nodeCountsSql } from '../../domain/node-state';
import type { NodeCounts, ServiceState, ServiceStatus } from '../../domain/status';
import { serviceStatusQuery, serviceWorkflowId } from '../../workflows/service/definitions';
import type { AppDeps } from '../deps';
import type { LiveStatus } from '../schemas';

export async function liveStatus(deps: AppDeps, row: Service): Promise<LiveStatus> {
  const [status, alerts] = await Promise.all([workflowOrDatabase(deps, row), openAlerts(deps, row.id)]);
  return { ...status, alerts };
}

async function workflowOrDatabase(deps: AppDeps, row: Service): Promise<Omit<LiveStatus, 'alerts'>> {
  if (row.status === 'active') {
    try {
      return fromWorkflow(await queryWorkflow(deps, row.id));
    } catch (err) {
      deps.logger.debug({ err, serviceId: row.id }, 'status query unanswered; reading the database');
    }
  }
  return fromDatabase(deps, row);
}

/** Open alarm episodes, from the node rows (a partial index keeps this cheap: few nodes have one). */
async function openAlerts(deps: AppDeps, serviceId: string): Promise<LiveStatus['alerts']> {
  const { rows } = await deps.db.pool.query<LiveStatus['alerts']>(
    `SELECT count(*) FILTER (WHERE alert = 'at_risk')::int AS "atRisk", count(*) FILTER (WHERE alert = 'breached')::int AS breached
       FROM nodes WHERE service_id = $1 AND alert IS NOT NULL`,
    [serviceId],
  );
  return rows[0] ?? { atRisk: 0, breached: 0 };
}

function queryWorkflow(deps: AppDeps, serviceId: string): Promise<ServiceStatus> {
  const handle = deps.temporal.workflow.getHandle(serviceWorkflowId(serviceId));
  return deps.temporal.withDeadline(Date.now() + deps.timing.statusQueryTimeoutMs, () => handle.query(serviceStatusQuery));
}

function fromWorkflow(s: ServiceStatus): Omit<LiveStatus, 'alerts'> {
  return {
    state: s.state,
    statusSource: 'workflow',
    mapping: {
      etag: s.mapping.etag,
      nodeCount: s.mapping.nodeCount,
      loadedAt: s.mapping.loadedAt,
      badRows: s.mapping.badRows,
      badRowSamples: s.mapping.badRowSamples,
      error: s.mapping.error,
      held: s.mapping.held,
    },
    nodes: s.nodes,
    nextRefreshAt: s.nextRefreshAt,
    lastCycleAt: s.lastCycleAt,
  };
}

/** The state the mirror columns imply; `held` and engine errors live only in the workflow. */
export function mirroredState(row: Pick<Service, 'status' | 'mappingLoadedAt' | 'mappingError'>): ServiceState {
  if (row.status === 'deleting') return 'deleting';
  if (row.mappingError !== null) return 'degraded';
  return row.status === 'provisioning' || row.mappingLoadedAt === null ? 'loading' : 'active';
}

interface NodeAggregate extends NodeCounts {
  next_refresh_at: Date | null;
  last_cycle_at: Date | null;
}

async function fromDatabase(deps: AppDeps, row: Service): Promise<Omit<LiveStatus, 'alerts'>> {
  const { rows } = await deps.db.pool.query<NodeAggregate>(
    `SELECT ${nodeCountsSql('$2')}, min(next_attempt_at) AS next_refresh_at, max(last_attempt_at) AS last_cycle_at
       FROM nodes WHERE service_id = $1`,
    [row.id, new Date()],
  );
  const agg = rows[0];
  return {
    state: mirroredState(row),
    statusSource: 'database',
    mapping: {
      etag: row.mappingEtag,
      nodeCount: row.mappingNodeCount,
      loadedAt: row.mappingLoadedAt?.toISOString() ?? null,
      badRows: row.mappingBadRows,
      badRowSamples: [],
      error: row.mappingError,
      held: null,
    },
    nodes: {
      total: agg?.total ?? 0,
      fresh: agg?.fresh ?? 0,
      pending: agg?.pending ?? 0,
      failing: agg?.failing ?? 0,
      expired: agg?.expired ?? 0,
    },
    nextRefreshAt: agg?.next_refresh_at?.toISOString() ?? null,
    lastCycleAt: agg?.last_cycle_at?.toISOString() ?? null,
  };
}
