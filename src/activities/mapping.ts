import type { S3Client } from '@aws-sdk/client-s3';
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../db';
import { recordServiceAlert } from './alert-events';
import { heldNote, holdReason, parseMapping, walkRows, type ParseSummary } from '../domain/mapping';
import type { WorkerMetrics } from '../observability/worker-metrics';
import { BAD_ROW_SAMPLE_LIMIT, type BadRow } from '../domain/status';
import { bucketAllowed } from '../domain/url-safety';
import { grantCovers } from '../domain/tenancy/mapping-grants';
import { effectiveQuotas, type Quotas } from '../domain/tenancy/quotas';
import { readMappingTenancy } from './tenancy-store';
import { MappingStage, readServiceMapping, recordMappingProblem, ServiceGoneError, worthAnalyzing, type ServiceMapping } from './mapping-store';
import { parseS3Uri, type S3Location } from '../domain/s3-uri';
import { getObject, headObject, s3Failure } from './s3';
import { RangeBuffers, rangedBody, type RangedRead } from './s3-ranges';
import { parseInThread, PARSER_THREAD_LIMITS } from './mapping-parser';
import type { ResourceLimits } from 'node:worker_threads';
import type { CourierActivities, LoadMappingInput, LoadMappingResult } from './types';

const HEARTBEAT_EVERY_MS = 1_000;

/**
 * 4 MiB ranges, 3 ahead of the parser: the parser (one core) is slower than S3 or MinIO serve one
 * connection, so the ranges ahead are full most of the time; 16 MiB of buffers in all. An object
 * of more than one range is also parsed in a thread of its own (mapping-parser.ts).
 */
const DEFAULT_RANGED_READ: RangedRead = { rangeBytes: 4 * 1024 * 1024, inFlight: 3 };

/**
 * The parser takes the object in pieces of at most this many bytes. Each piece's rows are queued
 * until it is parsed, and whatever is queued when V8 collects its young generation survives, and
 * the more survives, the larger V8 grows that generation (to 128 MB of RSS in a measurement, with
 * S3's 64 KiB chunks parsed whole): smaller pieces keep the live set, and so the heap, small.
 */
const PARSE_PIECE_BYTES = 8 * 1024;

/**
 * The parser thread's COPY text comes back in this many buffers of this size, reused: 256 KiB
 * in flight, enough to keep the connection busy while the thread parses.
 */
const THREAD_COPY_CHUNK_BYTES = 64 * 1024;
const THREAD_COPY_CHUNKS = 4;

export interface MappingDeps {
  db: Database;
  s3: S3Client;
  shardSize: number;
  minKeepFraction: number;
  /** Bucket patterns the deployment reads mappings from (see bucketAllowed): the bound of every grant. */
  mappingBuckets: readonly string[];
  /** The deployment's default quotas; a customer's overrides are read at each load. */
  quotaDefaults: Quotas;
  metrics: WorkerMetrics;
  /** How an object larger than one range is read (DEFAULT_RANGED_READ unless told). */
  rangedRead?: RangedRead;
  /** The parser thread's heap (PARSER_THREAD_LIMITS unless told). */
  parserLimits?: ResourceLimits;
}

/** What a load reports in its heartbeats. */
interface LoadProgress {
  bytesRead: number;
  rowsRead: number;
  badRows: number;
}

interface StagedObject {
  etag: string;
  summary: ParseSummary;
  nodeCount: number;
  samples: BadRow[];
  bytesRead: number;
}

/** Loads a service's mapping object into its node list (see loadMapping's steps below). */
export function createMappingActivities(deps: MappingDeps): Pick<CourierActivities, 'loadMapping'> {
  return { loadMapping: (input) => loadMapping(deps, input) };
}

async function loadMapping(deps: MappingDeps, input: LoadMappingInput): Promise<LoadMappingResult> {
  const pool = deps.db.pool;
  const service = await readServiceMapping(pool, input.serviceId);
  if (!service) throw serviceGone(input.serviceId);
  try {
    const result = await checkAndLoad(deps, input, service);
    deps.metrics.mappingLoads.inc({ result: result.outcome });
    logLoad(input.serviceId, result);
    return result;
  } catch (err) {
    if (err instanceof ServiceGoneError) throw serviceGone(input.serviceId);
    deps.metrics.mappingLoads.inc({ result: 'failed' });
    // Status reads this column, so a failing mapping shows even while no worker runs.
    const problem = (err as Error).message ?? String(err);
    log.warn('mapping load failed', { serviceId: input.serviceId, error: problem });
    await recordMappingProblem(pool, input.serviceId, problem).catch(() => undefined);
    await recordServiceAlert(pool, input.serviceId, 'mapping_failed', problem).catch(() => undefined);
    throw err;
  }
}

/** Applied and held loads change what Courier delivers to: info and warn; the periodic unchanged check only at debug. */
function logLoad(serviceId: string, r: LoadMappingResult): void {
  const fields = { serviceId, outcome: r.outcome, etag: r.etag, nodeCount: r.nodeCount, added: r.added, removed: r.removed, badRows: r.badRows };
  if (r.outcome === 'held') log.warn('mapping held', { ...fields, heldReason: r.heldReason });
  else if (r.outcome === 'applied') log.info('mapping applied', fields);
  else log.debug('mapping unchanged', fields);
}

const serviceGone = (serviceId: string) =>
  ApplicationFailure.nonRetryable(`service ${serviceId} no longer exists or is being deleted`, 'ServiceGone');

/** HEAD first: the periodic check of an unchanged object reads nothing else. */
async function checkAndLoad(deps: MappingDeps, input: LoadMappingInput, service: ServiceMapping): Promise<LoadMappingResult> {
  const signal = Context.current().cancellationSignal;
  let location;
  try {
    location = parseS3Uri(service.mappingUri);
  } catch (err) {
    throw s3Failure(err, service.mappingUri);
  }
  // Checked at registration too; this catches a deployment that narrowed its allowlist since.
  if (!bucketAllowed(location.bucket, deps.mappingBuckets)) {
    throw ApplicationFailure.nonRetryable(
      `mapping ${location.uri}: bucket '${location.bucket}' is not one this deployment reads (COURIER_MAPPING_BUCKETS)`,
      'MappingBucketNotAllowed',
    );
  }
  // Checked at registration too; this catches a grant revoked since, so its object stops being read.
  const tenancy = await readMappingTenancy(deps.db.pool, input.serviceId);
  if (!grantCovers(tenancy.grants, location)) {
    throw ApplicationFailure.nonRetryable(`mapping ${location.uri}: not in a bucket and prefix granted to this customer`, 'MappingNotGranted');
  }
  const quotas = effectiveQuotas(deps.quotaDefaults, tenancy.quotas);
  const head = await headObject(deps.s3, location, signal);
  if (!input.force && head.etag === input.knownEtag) {
    // A held object stays held (its note stays); the object in force checked fine.
    if (head.etag === service.mappingEtag) await recordMappingProblem(deps.db.pool, input.serviceId, null);
    return unchangedResult(service, head.etag);
  }

  const read = deps.rangedRead ?? DEFAULT_RANGED_READ;
  const stage = await MappingStage.open(deps.db.pool);
  try {
    const reading: Reading = { service, stage, quotas, progress: { bytesRead: 0, rowsRead: 0, badRows: 0 } };
    const staged =
      head.size !== null && head.size > read.rangeBytes
        ? await stageInThread(deps, reading, { at: location, etag: head.etag, size: head.size, read }, signal)
        : await stageStreamed(reading, await getObject(deps.s3, location, signal));
    return await decide(deps, input, service, staged, stage, { limit: quotas.nodes, elsewhere: tenancy.nodesElsewhere });
  } finally {
    await stage.close();
  }
}

/** One load's object on its way into the stage. */
interface Reading {
  service: ServiceMapping;
  stage: MappingStage;
  quotas: Pick<Quotas, 'mappingBytes' | 'mappingRows'>;
  progress: LoadProgress;
}

/** The object's chunks, counted against the byte quota, heartbeating the load's progress. */
async function* counted(r: Reading, body: AsyncIterable<Uint8Array>, heartbeat: () => void): AsyncGenerator<Uint8Array> {
  // Beats per chunk read, not per row: a shared object may hold few rows of this service.
  for await (const chunk of body) {
    r.progress.bytesRead += chunk.length;
    if (r.progress.bytesRead > r.quotas.mappingBytes) throw overQuota(`is larger than this customer's quota of ${r.quotas.mappingBytes} bytes`);
    heartbeat();
    yield chunk;
  }
}

const limitsOf = (r: Reading) => ({ maxRows: r.quotas.mappingRows, badRowSamples: BAD_ROW_SAMPLE_LIMIT });
const overRowQuota = (r: Reading) => overQuota(`has more rows than this customer's quota of ${r.quotas.mappingRows}`);

/**
 * An object of more than one range: parallel ranged GETs, parsed in a thread of its own with a
 * bounded heap, while this thread writes the COPY text it hands back.
 */
async function stageInThread(
  deps: MappingDeps,
  r: Reading,
  object: { at: S3Location; etag: string; size: number; read: RangedRead },
  signal: AbortSignal,
): Promise<StagedObject> {
  const heartbeat = throttledHeartbeat(r.progress);
  const buffers = new RangeBuffers(object.read);
  const parsed = await parseInThread({
    ranges: counted(r, rangedBody(deps.s3, object.at, object, object.read, buffers, signal), heartbeat),
    buffers,
    input: {
      format: r.service.mappingFormat,
      serviceName: r.service.name,
      ...limitsOf(r),
      copyChunkBytes: THREAD_COPY_CHUNK_BYTES,
      copyChunks: THREAD_COPY_CHUNKS,
      pieceBytes: PARSE_PIECE_BYTES,
    },
    limits: deps.parserLimits ?? PARSER_THREAD_LIMITS,
    write: (chunk) => r.stage.send(chunk),
    onRows: (rows, badRows) => {
      r.progress.rowsRead = rows;
      r.progress.badRows = badRows;
      heartbeat();
    },
    threads: deps.metrics.mappingParserThreads,
    signal,
  });
  if (parsed === 'overQuota') throw overRowQuota(r);
  const nodeCount = await r.stage.finish();
  return { etag: object.etag, summary: parsed.summary, nodeCount, samples: parsed.samples, bytesRead: r.progress.bytesRead };
}

/** An object of one range or less: one streamed GET, parsed here (its garbage is small). */
async function stageStreamed(r: Reading, object: { etag: string; body: AsyncIterable<Uint8Array> }): Promise<StagedObject> {
  const { progress, stage } = r;
  async function* pieces() {
    for await (const chunk of counted(r, object.body, throttledHeartbeat(progress))) {
      for (let at = 0; at < chunk.length; at += PARSE_PIECE_BYTES) yield chunk.subarray(at, at + PARSE_PIECE_BYTES);
    }
  }
  const samples: BadRow[] = [];
  const summary = await walkRows(parseMapping(pieces(), { format: r.service.mappingFormat, serviceName: r.service.name }), limitsOf(r), progress, {
    row(nodeId, endpoint, line) {
      stage.add(nodeId, endpoint, line);
      return stage.full ? stage.flush() : undefined;
    },
    badSample: (line, reason) => samples.push({ line, reason }),
  });
  if (summary === 'overQuota') throw overRowQuota(r);
  const nodeCount = await stage.finish();
  return { etag: object.etag, summary, nodeCount, samples, bytesRead: progress.bytesRead };
}

/** Too big to read for this customer: the mapping in force stays, and retrying cannot help. */
const overQuota = (what: string) => ApplicationFailure.nonRetryable(`mapping object ${what}; the mapping in force is kept`, 'MappingOverQuota');

/** Holds a mapping that is empty, shrank too much or would exceed the customer's node quota; applies anything else. */
async function decide(
  deps: MappingDeps,
  input: LoadMappingInput,
  service: ServiceMapping,
  staged: StagedObject,
  stage: MappingStage,
  nodeQuota: { limit: number; elsewhere: number },
): Promise<LoadMappingResult> {
  const base = {
    etag: staged.etag,
    nodeCount: staged.nodeCount,
    badRows: staged.summary.badRows,
    badRowSamples: staged.samples,
    bytesRead: staged.bytesRead,
  };
  const held = holdReason({
    nodeCount: staged.nodeCount,
    badRows: staged.summary.badRows,
    previousNodeCount: service.mappingNodeCount ?? 0,
    minKeepFraction: deps.minKeepFraction,
    force: input.force,
    nodeQuota,
  });
  if (held !== null) {
    await recordMappingProblem(deps.db.pool, input.serviceId, heldNote(staged.etag, held));
    await recordServiceAlert(deps.db.pool, input.serviceId, 'mapping_held', `mapping ${staged.etag}: ${held}`);
    return {
      ...base,
      outcome: 'held',
      added: 0,
      removed: 0,
      shardCount: Math.max(1, service.shardCount),
      heldReason: held,
      loadedAt: (service.mappingLoadedAt ?? new Date()).toISOString(),
    };
  }
  const ctx = Context.current();
  const applied = await stage.apply({
    serviceId: input.serviceId,
    etag: staged.etag,
    nodeCount: staged.nodeCount,
    badRows: staged.summary.badRows,
    badRowSamples: staged.samples,
    shardSize: deps.shardSize,
    onStep: (done) => ctx.heartbeat({ applying: done }),
  });
  if (worthAnalyzing(applied.changed, staged.nodeCount)) await analyzeNodes(stage, input.serviceId, applied.changed);
  return {
    ...base,
    outcome: 'applied',
    added: applied.added,
    removed: applied.removed,
    shardCount: applied.shardCount,
    heldReason: null,
    loadedAt: applied.loadedAt.toISOString(),
  };
}

/** The new node list is in force already: a failed ANALYZE only leaves the statistics to autovacuum. */
async function analyzeNodes(stage: MappingStage, serviceId: string, changed: number): Promise<void> {
  try {
    await stage.analyzeNodes();
    Context.current().heartbeat({ applying: 'analyze' });
  } catch (err) {
    log.warn('node table not analyzed after a large mapping apply; autovacuum will', { serviceId, changed, error: (err as Error).message });
  }
}

function unchangedResult(service: ServiceMapping, etag: string): LoadMappingResult {
  return {
    outcome: 'unchanged',
    etag,
    nodeCount: service.mappingNodeCount ?? 0,
    added: 0,
    removed: 0,
    badRows: service.mappingBadRows,
    badRowSamples: [],
    shardCount: Math.max(1, service.shardCount),
    heldReason: null,
    bytesRead: 0,
    loadedAt: (service.mappingLoadedAt ?? new Date()).toISOString(),
  };
}

/** Heartbeats at most once a second however often it is called: rows arrive by the thousand. */
function throttledHeartbeat(progress: LoadProgress): () => void {
  const ctx = Context.current();
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < HEARTBEAT_EVERY_MS) return;
    last = now;
    ctx.heartbeat({ ...progress });
  };
}
