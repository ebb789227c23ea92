/**
 * Telling service workflows that their mapping object may have changed: from a bucket event (the
 * API's /v1/mapping-events) and from the fleet's resync alike. Signal-with-start, so a service
 * workflow that is gone (terminated by hand) comes back with the signal.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { mapConcurrent } from '../domain/concurrency';
import { checkMappingSignal, SERVICE_WORKFLOW_TYPE, serviceWorkflowStartOptions } from '../workflows/service/definitions';

export interface MappingObject {
  bucket: string;
  key: string;
  /** The object's new ETag when the event says it; services already at it are left alone. */
  etag: string | null;
}

export interface ServiceRef {
  id: string;
  customerId: string;
  name: string;
  taskQueue: string;
}

/** Signals sent at once: enough for thousands of services sharing one object, bounded all the same. */
const SIGNAL_CONCURRENCY = 32;

/** Active services whose mapping URI names one of `objects` and that are not at its ETag yet. */
export async function servicesReading(pool: Pool, objects: readonly MappingObject[]): Promise<ServiceRef[]> {
  if (objects.length === 0) return [];
  const { rows } = await pool.query<ServiceRef>(
    `SELECT s.id, s.customer_id AS "customerId", s.name, s.task_queue AS "taskQueue"
       FROM unnest($1::text[], $2::text[]) AS o(uri, etag)
       JOIN services s ON s.mapping_uri = o.uri
      WHERE s.status = 'active' AND (o.etag IS NULL OR s.mapping_etag IS DISTINCT FROM o.etag)`,
    [objects.map((o) => `s3://${o.bucket}/${o.key}`), objects.map((o) => o.etag)],
  );
  return rows;
}

/** Sends `checkMapping` to each service's workflow, starting it again if it is not running. */
export async function announceMappingChange(temporal: Client, services: readonly ServiceRef[], maxChildren: number): Promise<void> {
  await mapConcurrent(services, SIGNAL_CONCURRENCY, (s) =>
    temporal.workflow.signalWithStart(SERVICE_WORKFLOW_TYPE, {
      ...serviceWorkflowStartOptions({ serviceId: s.id, customerId: s.customerId, serviceName: s.name, settings: { maxChildren } }, s.taskQueue),
      signal: checkMappingSignal,
      signalArgs: [],
    }),
  );
}
