/**
 * Loads a 1M-node mapping in each format (CSV, NDJSON, lines, JSON array) from S3 into PostgreSQL
 * through loadMapping, and prints the time and peak RSS of each load; then re-loads each with 1%
 * of its nodes replaced. Targets: a load in at most 20 s and 256 MB, a 1% reload in at most 10 s.
 *
 *   npx tsx scripts/bench-mapping.ts [rows] [formats, e.g. csv,json]
 *
 * Runs against the stack in the environment (src/config.ts; `npm run dev` starts one). Each
 * scenario runs in a process of its own, so one's peak RSS does not hide another's, and each
 * object is generated and uploaded by a child of that process, so the peak is the load's alone
 * (the peak is reset before each load: /proc/self/clear_refs); Node flags pass on to them (`node --max-old-space-size=128 --import tsx scripts/bench-mapping.ts` shows
 * how much of the peak is garbage V8 has not collected yet rather than memory the load holds).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { Readable } from 'node:stream';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createMappingActivities } from '../src/activities/mapping';
import { createWorkerMetrics } from '../src/observability/worker-metrics';
import { createS3Client } from '../src/activities/s3';
import type { LoadMappingInput, LoadMappingResult } from '../src/activities/types';
import { loadConfig, quotaDefaults } from '../src/config';
import { connectDatabase, type Database } from '../src/db';
import { ensureMappingsBucket, MAPPINGS_BUCKET } from '../src/stack/s3';
import { FORMATS, mappingChunks, type Format } from '../bench/generated-mapping';

const MB = 1024 * 1024;

/** Streams the object up (length counted in a first pass). */
async function putMapping(s3: S3Client, key: string, format: Format, rows: number, generation: number): Promise<number> {
  let length = 0;
  for (const chunk of mappingChunks(format, rows, generation)) length += chunk.length;
  const body = Readable.from(mappingChunks(format, rows, generation));
  await s3.send(new PutObjectCommand({ Bucket: MAPPINGS_BUCKET, Key: key, Body: body, ContentLength: length }));
  return length;
}

/** A first load's target, or a reload's (1% of the nodes replaced): a small change costs in proportion. */
const targetSeconds = (scenario: string) => (scenario.endsWith('replaced') ? 10 : 20);

interface Measurement {
  scenario: string;
  objectMb: number;
  seconds: number;
  stageSeconds: number;
  /** The apply's statements, timed from the heartbeat each one ends with. */
  applySteps: string;
  peakRssMb: number;
  /** RSS before the load: the modules a worker carries anyway (Temporal's native core, Prisma, the AWS SDK). */
  baseRssMb: number;
  /**
   * Where the peak went, sampled every 200 ms: V8's heap (used and reserved), its young generation
   * (reserved) and old generation (used), and Buffers outside the heap.
   */
  peakHeapUsedMb: number;
  peakHeapTotalMb: number;
  peakNewSpaceMb: number;
  peakOldSpaceUsedMb: number;
  peakExternalMb: number;
  result: Pick<LoadMappingResult, 'outcome' | 'nodeCount' | 'added' | 'removed' | 'badRows' | 'shardCount'>;
}

/** Generates and uploads an object in a child process: its garbage is not the load's. Returns its size. */
function putInChild(key: string, format: Format, rows: number, generation: number): number {
  const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--put', key, format, String(rows), String(generation)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`uploading ${key} failed (exit ${child.status})`);
  return Number(child.stdout.trim());
}

/** Linux: the peak RSS so far (VmHWM), and a reset of it, so each load's peak is its own. */
const peakRssMb = () => Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024);
const resetPeakRss = () => writeFileSync('/proc/self/clear_refs', '5');

async function measureLoad(db: Database, s3: S3Client, scenario: string, objectBytes: number, input: LoadMappingInput): Promise<Measurement> {
  const { loadMapping } = createMappingActivities({
    db,
    s3,
    shardSize: 1000,
    minKeepFraction: 0.5,
    mappingBuckets: ['*'],
    quotaDefaults: quotaDefaults(loadConfig()),
    metrics: createWorkerMetrics(),
  });
  const env = new MockActivityEnvironment();
  resetPeakRss();
  const baseRssMb = Math.round(process.memoryUsage().rss / MB);
  const peaks = { heapUsed: 0, heapTotal: 0, newSpace: 0, oldSpaceUsed: 0, external: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    const spaces = new Map(getHeapSpaceStatistics().map((space) => [space.space_name, space]));
    peaks.heapUsed = Math.max(peaks.heapUsed, m.heapUsed);
    peaks.heapTotal = Math.max(peaks.heapTotal, m.heapTotal);
    peaks.newSpace = Math.max(peaks.newSpace, spaces.get('new_space')?.space_size ?? 0);
    peaks.oldSpaceUsed = Math.max(peaks.oldSpaceUsed, spaces.get('old_space')?.space_used_size ?? 0);
    peaks.external = Math.max(peaks.external, m.external);
  }, 200);
  const started = Date.now();
  let stagedAt = 0;
  let last = started;
  const steps: string[] = [];
  env.on('heartbeat', (details: { applying?: string }) => {
    if (!details.applying) return;
    const now = Date.now();
    if (stagedAt === 0) stagedAt = last = now;
    else steps.push(`${details.applying} ${((now - last) / 1000).toFixed(1)} s`);
    last = now;
  });
  let r: LoadMappingResult;
  try {
    r = await env.run<[LoadMappingInput], LoadMappingResult, typeof loadMapping>(loadMapping, input);
  } finally {
    clearInterval(sampler);
  }
  const ended = Date.now();
  return {
    scenario,
    objectMb: Math.round(objectBytes / MB),
    seconds: (ended - started) / 1000,
    stageSeconds: ((stagedAt || ended) - started) / 1000,
    applySteps: steps.join(', '),
    peakRssMb: peakRssMb(),
    baseRssMb,
    peakHeapUsedMb: Math.round(peaks.heapUsed / MB),
    peakHeapTotalMb: Math.round(peaks.heapTotal / MB),
    peakNewSpaceMb: Math.round(peaks.newSpace / MB),
    peakOldSpaceUsedMb: Math.round(peaks.oldSpaceUsed / MB),
    peakExternalMb: Math.round(peaks.external / MB),
    result: { outcome: r.outcome, nodeCount: r.nodeCount, added: r.added, removed: r.removed, badRows: r.badRows, shardCount: r.shardCount },
  };
}

/** One scenario, in this process: prints one JSON measurement per load. */
async function runScenario(format: Format, rows: number): Promise<void> {
  const config = loadConfig();
  const db = connectDatabase(config.DATABASE_URL);
  const s3 = createS3Client(config);
  const tag = `bench-${format}-${Date.now().toString(36)}`;
  // Quotas sized to the run: the defaults (4M rows, 2M nodes) would hold a 10M-node mapping.
  const quotas = { nodes: 2 * rows, mappingRows: 2 * rows, mappingBytes: 1024 * rows };
  const customer = await db.prisma.customer.create({
    data: { name: tag, quotas, mappingGrants: { create: { bucket: MAPPINGS_BUCKET, prefix: `${tag}/` } } },
  });
  try {
    const key = `${tag}/mapping.${format}`;
    const service = await db.prisma.service.create({
      data: {
        customerId: customer.id,
        name: tag,
        status: 'active',
        mappingUri: `s3://${MAPPINGS_BUCKET}/${key}`,
        mappingFormat: 'auto',
        metadataUrl: 'http://127.0.0.1:1/metadata',
        ttlSeconds: 3600,
        refreshBeforeSeconds: 1200,
        deliveryEndpoint: 'http://{node}/metadata',
        deliveryTimeoutMs: 1000,
        signingSecret: 'bench'.repeat(8),
      },
    });
    const input = { serviceId: service.id, knownEtag: null, force: false };
    const bytes = putInChild(key, format, rows, 0);
    console.log(JSON.stringify(await measureLoad(db, s3, `${format}, first load`, bytes, input)));
    const changed = putInChild(key, format, rows, 1);
    console.log(JSON.stringify(await measureLoad(db, s3, `${format}, 1% replaced`, changed, input)));
  } finally {
    await db.prisma.customer.delete({ where: { id: customer.id } });
    s3.destroy();
    await db.close();
  }
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--put') {
    const [, key, format, rows, generation] = args;
    const s3 = createS3Client(loadConfig());
    putMapping(s3, key!, format as Format, Number(rows), Number(generation)).then(
      (bytes) => {
        console.log(bytes);
        s3.destroy();
      },
      (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
      },
    );
    return;
  }
  const [mode, formatArg, rowsArg] = args;
  if (mode === '--scenario') {
    runScenario(formatArg as Format, Number(rowsArg)).catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
    return;
  }
  const rows = Number(mode ?? 1_000_000);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`usage: tsx scripts/bench-mapping.ts [rows] [formats]; '${mode}' is not a row count`);
  const scenarios: readonly string[] = formatArg === undefined ? FORMATS : formatArg.split(',');
  const unknown = scenarios.filter((f) => !(FORMATS as readonly string[]).includes(f));
  if (unknown.length > 0) throw new Error(`unknown format(s) ${unknown.join(', ')}: formats are ${FORMATS.join(', ')}`);
  const config = loadConfig();
  void ensureMappingsBucket({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
  }).then(() => {
    console.log(`mapping load, ${rows.toLocaleString('en')} nodes (targets: <= 20 s, <= 256 MB peak RSS; a 1% reload <= 10 s)`);
    for (const scenario of scenarios) {
      const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--scenario', scenario, String(rows)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (child.status !== 0) throw new Error(`scenario ${scenario} failed (exit ${child.status})`);
      for (const line of child.stdout.split('\n').filter((l) => l.startsWith('{'))) {
        const m = JSON.parse(line) as Measurement;
        const verdict = m.seconds <= targetSeconds(m.scenario) && m.peakRssMb <= 256 ? 'ok' : 'OVER TARGET';
        console.log(
          `  ${m.scenario.padEnd(20)} ${String(m.objectMb).padStart(4)} MB object  ${m.seconds.toFixed(1).padStart(5)} s ` +
            `(read+stage ${m.stageSeconds.toFixed(1)} s)  peak RSS ${m.peakRssMb} MB (${m.baseRssMb} MB before)  ${verdict}\n` +
            `      peak V8 heap ${m.peakHeapUsedMb} MB used of ${m.peakHeapTotalMb} MB (young generation ${m.peakNewSpaceMb} MB, ` +
            `old ${m.peakOldSpaceUsedMb} MB used), Buffers ${m.peakExternalMb} MB\n` +
            `      apply: ${m.applySteps}\n      ${JSON.stringify(m.result)}`,
        );
      }
    }
  });
}

main();
