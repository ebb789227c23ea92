/**
 * Live status comes from the database: node counts added up from the shard summaries each
 * delivery run leaves (recounted from the nodes only where a summary has gone stale), and the
 * mapping from the columns the mapping activity writes. So status needs no worker to answer a
 * query, and costs no Temporal action.
 */
import type { Service } from '@prisma/client';
import { heldReasonOf } from '../../domain/mapping';
import type { BadRow, ServiceState } from '../../domain/status';
import { servicePicture } from '../../store/shard-summaries';
import type { AppDeps } from '../deps';
import type { LiveStatus } from '../schemas/services';

export async function liveStatus(deps: AppDeps, row: Service): Promise<LiveStatus> {
  const [picture, alerts] = await Promise.all([servicePicture(deps.db.pool, row.id, new Date()), openAlerts(deps, row.id)]);
  return {
    state: mirroredState(row),
    mapping: {
      etag: row.mappingEtag,
      nodeCount: row.mappingNodeCount,
      loadedAt: row.mappingLoadedAt?.toISOString() ?? null,
      badRows: row.mappingBadRows,
      badRowSamples: (row.mappingBadRowSamples as BadRow[] | null) ?? [],
      ...mappingProblem(row.mappingError),
    },
    nodes: picture.counts,
    // Contract 1 calls the service's next due time `nextRefreshAt`.
    nextRefreshAt: picture.nextDueAt?.toISOString() ?? null,
    lastCycleAt: picture.lastCycleAt?.toISOString() ?? null,
    alerts,
  };
}

/** Open alert episodes, from the node rows (a partial index keeps this cheap: few nodes have one). */
async function openAlerts(deps: AppDeps, serviceId: string): Promise<LiveStatus['alerts']> {
  const { rows } = await deps.db.pool.query<LiveStatus['alerts']>(
    `SELECT count(*) FILTER (WHERE alert = 'at_risk')::int AS "atRisk", count(*) FILTER (WHERE alert = 'breached')::int AS breached
       FROM nodes WHERE service_id = $1 AND alert IS NOT NULL`,
    [serviceId],
  );
  return rows[0] ?? { atRisk: 0, breached: 0 };
}

/** A held mapping's note is its reason, not an error: the mapping in force loads fine. */
function mappingProblem(note: string | null): { error: string | null; held: string | null } {
  const held = heldReasonOf(note);
  return held === null ? { error: note, held: null } : { error: null, held };
}

/** The state the mapping columns imply: a failed or held mapping degrades the service. */
export function mirroredState(row: Pick<Service, 'status' | 'mappingLoadedAt' | 'mappingError'>): ServiceState {
  if (row.status === 'deleting') return 'deleting';
  if (row.mappingError !== null) return 'degraded';
  return row.status === 'provisioning' || row.mappingLoadedAt === null ? 'loading' : 'active';
}
