/** The shapes of status that workflows report and the API shows. Plain data, JSON-safe. */

export interface NodeCounts {
  total: number;
  /** Holds an unexpired copy and is not failing. */
  fresh: number;
  /** Never delivered yet, with no failed attempt. */
  pending: number;
  /** Last attempt failed while the copy it holds (if any) is still valid. */
  failing: number;
  /** Holds a copy that has expired: a breach. */
  expired: number;
}

export interface BadRow {
  line: number;
  reason: string;
}

export const BAD_ROW_SAMPLE_LIMIT = 20;

export interface MappingStatus {
  etag: string | null;
  nodeCount: number;
  loadedAt: string | null;
  badRows: number;
  badRowSamples: BadRow[];
  /** Why the last load or check failed; the last good node list stays in force. */
  error: string | null;
  /** Why a newer mapping was read but not applied (empty or much smaller). */
  held: string | null;
  checkedAt: string | null;
}

export const emptyMappingStatus = (): MappingStatus => ({
  etag: null,
  nodeCount: 0,
  loadedAt: null,
  badRows: 0,
  badRowSamples: [],
  error: null,
  held: null,
  checkedAt: null,
});

export type ServiceState = 'loading' | 'active' | 'degraded' | 'deleting';

/** What a service workflow answers about itself; node counts come from the database. */
export interface ServiceStatus {
  serviceId: string;
  state: ServiceState;
  mapping: MappingStatus;
  shardCount: number;
}
