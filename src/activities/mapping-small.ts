import { GetObjectCommand } from '@aws-sdk/client-s3';
import { log } from '@temporalio/activity';
import type { Pool } from 'pg';
import { bareEtag } from '../domain/etag';
import { holdReason, nextShardCount, parseMapping } from '../domain/mapping';
import { parseS3Uri, type S3Location } from '../domain/s3-uri';
import { nodeHash } from '../domain/sharding';
import { BAD_ROW_SAMPLE_LIMIT, type BadRow } from '../domain/status';
import { grantCovers } from '../domain/tenancy/mapping-grants';
import { effectiveQuotas } from '../domain/tenancy/quotas';
import { bucketAllowed } from '../domain/url-safety';
import type { MappingDeps } from './mapping';
import { readServiceMapping, type ServiceMapping } from './mapping-store';
import { readableBody } from './s3';
import { readMappingTenancy } from './tenancy-store';
import type { CourierActivities, LoadMappingInput, LoadMappingResult } from './types';

/**
 * The largest object the short path reads, and the most nodes it applies: one shard at the
 * default COURIER_SHARD_SIZE of 1,000 (a smaller shard size leaves more loads to loadMapping),
 * a few milliseconds of work.
 */
export const SMALL_MAPPING_BYTES = 64 * 1024;
const SMALL_MAPPING_NODES = 1_000;

/**
 * A new service's first load, when its mapping is small: one ranged GET whose Content-Range
 * tells the object's size, and one statement that inserts the nodes and marks the service
 * loaded. It runs as a local activity of the service workflow (src/workflows/activities.ts),
 * on a worker whose event loop may be busy with bulk runs, where every round trip waits its turn:
 * loadMapping's two dozen (HEAD, GET, a staging COPY, the diff's statements) took 0.3-0.9 s
 * for one row behind a backlog; this path waits three times (the service and its customer read
 * together, the GET, the statement).
 *
 * It takes only the plain case — first load, small, within quota, nothing to hold, one shard —
 * and answers null for anything else (a failure too), leaving it to loadMapping as an activity,
 * which checks, holds, reports and retries as ever. So nothing here reports a problem.
 */
export function createSmallMappingActivities(deps: MappingDeps): Pick<CourierActivities, 'loadSmallMapping'> {
  return {
    loadSmallMapping: async (input) => {
      try {
        return await loadSmall(deps, input);
      } catch (err) {
        log.debug('small mapping load left to the activity', { serviceId: input.serviceId, error: (err as Error).message });
        return null;
      }
    },
  };
}

async function loadSmall(deps: MappingDeps, input: LoadMappingInput): Promise<LoadMappingResult | null> {
  // Side by side: each wait for the pool is a turn of the busy event loop.
  const [service, tenancy] = await Promise.all([readServiceMapping(deps.db.pool, input.serviceId), readMappingTenancy(deps.db.pool, input.serviceId)]);
  if (!service || service.mappingLoadedAt !== null) return null;
  const location = parseS3Uri(service.mappingUri);
  if (!bucketAllowed(location.bucket, deps.mappingBuckets) || !grantCovers(tenancy.grants, location)) return null;
  const quotas = effectiveQuotas(deps.quotaDefaults, tenancy.quotas);

  const object = await readSmallObject(deps, location);
  if (!object || object.bytes.length > quotas.mappingBytes) return null;
  const parsed = await parse(object.bytes, service);
  if (!parsed || parsed.rows.size + parsed.badRows >= quotas.mappingRows || parsed.rows.size > SMALL_MAPPING_NODES) return null;
  const nodeCount = parsed.rows.size;
  const shardCount = nextShardCount(service.shardCount, nodeCount, deps.shardSize);
  const held = holdReason({
    nodeCount,
    badRows: parsed.badRows,
    previousNodeCount: 0,
    minKeepFraction: deps.minKeepFraction,
    force: input.force,
    nodeQuota: { limit: quotas.nodes, elsewhere: tenancy.nodesElsewhere },
  });
  if (held !== null || shardCount !== 1) return null;

  const applied = await applyFirst(deps.db.pool, input.serviceId, object.etag, parsed);
  if (!applied) return null;
  deps.metrics.mappingLoads.inc({ result: 'applied' });
  log.info('mapping applied', { serviceId: input.serviceId, outcome: 'applied', etag: object.etag, nodeCount, added: applied.added, removed: 0, badRows: parsed.badRows });
  return {
    outcome: 'applied',
    etag: object.etag,
    nodeCount,
    added: applied.added,
    removed: 0,
    badRows: parsed.badRows,
    badRowSamples: parsed.samples,
    shardCount,
    heldReason: null,
    bytesRead: object.bytes.length,
    loadedAt: applied.loadedAt.toISOString(),
  };
}

/** The whole object if it is at most SMALL_MAPPING_BYTES, else null; one request either way. */
async function readSmallObject(deps: MappingDeps, at: S3Location): Promise<{ etag: string; bytes: Buffer } | null> {
  const response = await deps.s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key, Range: `bytes=0-${SMALL_MAPPING_BYTES}` }));
  const size = Number(/\/(\d+)$/.exec(response.ContentRange ?? '')?.[1] ?? Number.NaN);
  if (!(size <= SMALL_MAPPING_BYTES) || !response.ETag) {
    (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
    return null;
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of readableBody(response.Body, at.uri)) chunks.push(chunk);
  return { etag: bareEtag(response.ETag), bytes: Buffer.concat(chunks) };
}

interface ParsedSmall {
  /** Node id to endpoint; the first row of an id wins, as in a staged load. */
  rows: Map<string, string | null>;
  badRows: number;
  samples: BadRow[];
}

/** The object's rows for this service; null past SMALL_MAPPING_NODES rows. */
async function parse(bytes: Buffer, service: ServiceMapping): Promise<ParsedSmall | null> {
  const parsed: ParsedSmall = { rows: new Map(), badRows: 0, samples: [] };
  for await (const events of parseMapping(once(bytes), { format: service.mappingFormat, serviceName: service.name })) {
    for (const event of events) {
      if (event.kind === 'row') {
        if (!parsed.rows.has(event.nodeId)) parsed.rows.set(event.nodeId, event.endpoint);
        if (parsed.rows.size > SMALL_MAPPING_NODES) return null;
      } else if (event.kind === 'bad') {
        parsed.badRows++;
        if (parsed.samples.length < BAD_ROW_SAMPLE_LIMIT) parsed.samples.push({ line: event.line, reason: event.reason });
      }
    }
  }
  return parsed;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * The first apply of a one-shard service in one statement: the service row locked while it is
 * still unloaded (a concurrent load or a deletion makes it find nothing), every node inserted due
 * now in shard 0, a node a forced refresh added before the load taken over by the mapping (as
 * loadMapping's apply does), the service marked loaded. Null when the row was not there to lock.
 */
async function applyFirst(pool: Pool, serviceId: string, etag: string, parsed: ParsedSmall): Promise<{ added: number; loadedAt: Date } | null> {
  const ids = [...parsed.rows.keys()];
  const { rows } = await pool.query<{ loadedAt: Date; added: number }>(
    `WITH service AS (
       SELECT id FROM services WHERE id = $1 AND status <> 'deleting' AND mapping_loaded_at IS NULL FOR UPDATE
     ), inserted AS (
       INSERT INTO nodes (service_id, node_id, endpoint, hash, shard, origin, mapping_etag, next_due_at)
       SELECT service.id, l.node_id, l.endpoint, l.hash, 0, 'mapping', $2, now()
         FROM service, unnest($3::text[], $4::text[], $5::int[]) AS l(node_id, endpoint, hash)
        ORDER BY l.node_id
       ON CONFLICT (service_id, node_id) DO UPDATE SET endpoint = EXCLUDED.endpoint, origin = 'mapping', mapping_etag = EXCLUDED.mapping_etag
       RETURNING xmax = 0 AS added
     )
     UPDATE services AS s
        SET shard_count = 1, mapping_etag = $2, mapping_node_count = $6, mapping_bad_rows = $7,
            mapping_bad_row_samples = $8, mapping_loaded_at = now(), mapping_error = NULL, updated_at = now()
       FROM service
      WHERE s.id = service.id
      RETURNING s.mapping_loaded_at AS "loadedAt", (SELECT count(*)::int FROM inserted WHERE added) AS added`,
    [serviceId, etag, ids, ids.map((id) => parsed.rows.get(id) ?? null), ids.map(nodeHash), ids.length, parsed.badRows, JSON.stringify(parsed.samples)],
  );
  return rows[0] ?? null;
}
