/**
 * loadMapping against real PostgreSQL and MinIO, run in Temporal's mock activity environment
 * (heartbeats observed, no worker needed).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createMappingActivities } from '../../src/activities/mapping';
import { ANALYZE_MIN_ROWS } from '../../src/activities/mapping-store';
import { createS3Client } from '../../src/activities/s3';
import type { LoadMappingInput, LoadMappingResult } from '../../src/activities/types';
import { loadConfig, quotaDefaults } from '../../src/config';
import { connectDatabase } from '../../src/db';
import type { MappingFormat } from '../../src/domain/mapping';
import { parseKeyring } from '../../src/domain/secret-box';
import { nodeHash } from '../../src/domain/sharding';
import { upsertForcedNode } from '../../src/engine/delivery/node-store';
import { createWorkerMetrics, type WorkerMetrics } from '../../src/observability/worker-metrics';
import { createMappingService } from '../support/mapping-services';

const BUCKET = 'courier-mappings';
const SHARD_SIZE = 10;

const config = loadConfig();
const db = connectDatabase(config.DATABASE_URL);
const s3 = createS3Client(config);
const metrics = createWorkerMetrics();
const mappingDeps = {
  db,
  s3,
  shardSize: SHARD_SIZE,
  minKeepFraction: 0.5,
  mappingBuckets: [BUCKET, 'no-such-bucket-*'],
  quotaDefaults: quotaDefaults(config),
  metrics,
};
const { loadMapping } = createMappingActivities(mappingDeps);
const run = `mapping-${Date.now().toString(36)}`;
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
/** The expected failures below would otherwise each print a logged warning. */
const activityEnv = () => new MockActivityEnvironment(undefined, { logger: quiet });
let customerId: string;

beforeAll(async () => {
  // Granted this run's folder, and the missing bucket one case below names.
  const grants = [
    { bucket: BUCKET, prefix: `${run}/` },
    { bucket: `no-such-bucket-${run}`, prefix: '' },
  ];
  customerId = (await db.prisma.customer.create({ data: { name: run, mappingGrants: { create: grants } } })).id;
});
afterAll(async () => {
  await db.prisma.customer.delete({ where: { id: customerId } });
  s3.destroy();
  await db.close();
});

interface TestService {
  id: string;
  name: string;
  uri: string;
  /** Replaces the mapping object. */
  put(body: string): Promise<void>;
  /** Runs loadMapping as an activity; returns its result and the heartbeats it sent. */
  load(input?: Partial<LoadMappingInput>): Promise<LoadMappingResult & { heartbeats: unknown[] }>;
}

async function service(name: string, options: { format?: MappingFormat; uri?: string } = {}): Promise<TestService> {
  const uri = options.uri ?? `s3://${BUCKET}/${run}/${name}`;
  const row = await createMappingService(db, { customerId, name, uri, format: options.format ?? 'auto' });
  const [, key] = /^s3:\/\/[^/]+\/(.+)$/.exec(uri) ?? [];
  return {
    id: row.id,
    name,
    uri,
    async put(body) {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    },
    async load(input = {}) {
      const env = activityEnv();
      const heartbeats: unknown[] = [];
      env.on('heartbeat', (d: unknown) => heartbeats.push(d));
      const result = await env.run<[LoadMappingInput], LoadMappingResult, typeof loadMapping>(loadMapping, {
        serviceId: row.id,
        knownEtag: null,
        force: false,
        ...input,
      });
      return { ...result, heartbeats };
    },
  };
}

/** What the notifier will be told about a service (src/activities/alert-events.ts). */
async function alertEvents(serviceId: string): Promise<{ kind: string; detail: string | null }[]> {
  const { rows } = await db.pool.query(`SELECT kind, detail FROM alert_events WHERE service_id = $1 ORDER BY id`, [serviceId]);
  return rows;
}

const lines = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`).join('\n') + '\n';

interface NodeRow {
  node_id: string;
  endpoint: string | null;
  hash: number;
  shard: number;
  origin: 'mapping' | 'api';
  version: string | null;
  attempts: number;
  next_due_at: Date;
}

async function nodesOf(serviceId: string): Promise<Map<string, NodeRow>> {
  const { rows } = await db.pool.query<NodeRow>(
    `SELECT node_id, endpoint, hash, shard, origin, version, attempts, next_due_at FROM nodes WHERE service_id = $1`,
    [serviceId],
  );
  return new Map(rows.map((r) => [r.node_id, r]));
}

/** `courier_mapping_loads_total` by result, as the worker would serve it. */
async function loadCounts(m: WorkerMetrics = metrics): Promise<Record<string, number>> {
  const { values } = await m.mappingLoads.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.result), v.value]));
}

const serviceRow = (id: string) => db.prisma.service.findUniqueOrThrow({ where: { id } });

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('loadMapping', () => {
  it('applies a first mapping: nodes due now, sharded by hash, the service row updated, heartbeats sent', async () => {
    const svc = await service('first-load');
    await svc.put(lines('n', 0, 25));
    const before = new Date();

    const r = await svc.load();

    expect(r).toMatchObject({ outcome: 'applied', nodeCount: 25, added: 25, removed: 0, badRows: 0, shardCount: 4, heldReason: null });
    expect(r.bytesRead).toBe(lines('n', 0, 25).length);
    expect(r.heartbeats.length).toBeGreaterThan(0);
    expect(r.heartbeats[0]).toEqual(expect.objectContaining({ bytesRead: expect.any(Number), rowsRead: expect.any(Number), badRows: 0 }));
    const nodes = await nodesOf(svc.id);
    expect(nodes.size).toBe(25);
    for (const n of nodes.values()) {
      expect(n.hash).toBe(nodeHash(n.node_id));
      expect(n.shard).toBe(n.hash % 4);
      expect(n.origin).toBe('mapping');
      expect(n.next_due_at.getTime()).toBeLessThanOrEqual(Date.now());
    }
    const row = await serviceRow(svc.id);
    expect(row).toMatchObject({ shardCount: 4, mappingEtag: r.etag, mappingNodeCount: 25, mappingBadRows: 0, mappingError: null });
    expect(row.mappingLoadedAt!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    // A service without node rows takes the staged list whole: no diff.
    expect(r.heartbeats).toContainEqual({ applying: 'insert' });
    expect(r.heartbeats).not.toContainEqual({ applying: 'diff' });
  });

  it('takes over on its first load a node a forced refresh added before it, through the diff', async () => {
    const svc = await service('first-after-forced');
    const keyring = parseKeyring(randomBytes(32).toString('base64'));
    await upsertForcedNode(db.pool, keyring, { serviceId: svc.id, nodeId: 'n3', endpoint: 'http://forced/m' });
    await upsertForcedNode(db.pool, keyring, { serviceId: svc.id, nodeId: 'api-only', endpoint: null });
    await svc.put(['node,endpoint', 'n1,http://n1/m', 'n3,http://n3/m'].join('\n'));

    const r = await svc.load();

    expect(r).toMatchObject({ outcome: 'applied', added: 1, removed: 0 });
    expect(r.heartbeats).toContainEqual({ applying: 'diff' });
    const nodes = await nodesOf(svc.id);
    expect(nodes.get('n3')).toMatchObject({ origin: 'mapping', endpoint: 'http://n3/m' });
    expect(nodes.get('n1')).toMatchObject({ origin: 'mapping' });
    expect(nodes.get('api-only')).toMatchObject({ origin: 'api' });
  });

  it("reads nothing when the ETag is the one it knows, unless forced", async () => {
    const svc = await service('unchanged');
    await svc.put(lines('n', 0, 5));
    const first = await svc.load();

    const again = await svc.load({ knownEtag: first.etag });
    expect(again).toMatchObject({ outcome: 'unchanged', etag: first.etag, nodeCount: 5, shardCount: 1, bytesRead: 0, loadedAt: first.loadedAt });

    const forced = await svc.load({ knownEtag: first.etag, force: true });
    expect(forced).toMatchObject({ outcome: 'applied', etag: first.etag, nodeCount: 5, added: 0, removed: 0 });
  });

  it('adds and removes nodes on a change, keeping the delivery state of the nodes that stay', async () => {
    const svc = await service('changes');
    await svc.put(lines('n', 0, 20));
    const first = await svc.load();
    const deliveredAt = new Date('2030-01-01T00:00:00Z');
    await db.pool.query(
      `UPDATE nodes SET version = 'v1', delivered_at = $2, expires_at = $2, attempts = 3, next_due_at = $2
        WHERE service_id = $1 AND node_id IN ('n1', 'n2')`,
      [svc.id, deliveredAt],
    );
    await db.pool.query(
      `INSERT INTO nodes (service_id, node_id, hash, shard, origin) VALUES ($1, 'api-1', 0, 0, 'api'), ($1, 'api-2', 0, 0, 'api')`,
      [svc.id],
    );

    // n0..n14 stay (n2 with a new endpoint), n15..n19 go, n20..n24 arrive, api-1 becomes mapping-owned.
    await svc.put(['node,endpoint', ...lines('n', 0, 25).trim().split('\n').filter((n) => !/^n1[5-9]$/.test(n)), 'api-1,http://api-1/m']
      .map((l) => (l === 'n2' ? 'n2,http://n2:9/m' : l))
      .join('\n'));
    const r = await svc.load({ knownEtag: first.etag });

    expect(r).toMatchObject({ outcome: 'applied', nodeCount: 21, added: 5, removed: 5 });
    const nodes = await nodesOf(svc.id);
    expect([...nodes.keys()].sort()).toEqual([...lines('n', 0, 15).trim().split('\n'), ...lines('n', 20, 25).trim().split('\n'), 'api-1', 'api-2'].sort());
    expect(nodes.get('n1')).toMatchObject({ version: 'v1', attempts: 3, next_due_at: deliveredAt, endpoint: null });
    expect(nodes.get('n2')).toMatchObject({ version: 'v1', attempts: 3, next_due_at: deliveredAt, endpoint: 'http://n2:9/m' });
    expect(nodes.get('api-1')).toMatchObject({ origin: 'mapping', endpoint: 'http://api-1/m' });
    expect(nodes.get('api-2')).toMatchObject({ origin: 'api' });
    expect(nodes.get('n20')!.next_due_at.getTime()).toBeLessThanOrEqual(Date.now());

    // The removed nodes stay removed, and a node the API added is kept, on the next change too.
    await svc.put(lines('n', 0, 21));
    const third = await svc.load({ knownEtag: r.etag });
    expect(third).toMatchObject({ outcome: 'applied', added: 5, removed: 5, nodeCount: 21 });
    expect((await nodesOf(svc.id)).has('api-2')).toBe(true);
  });

  it('re-assigns shards when the count grows, and shrinks them only to a quarter or less', async () => {
    const svc = await service('reshard');
    await svc.put(lines('n', 0, 8));
    expect((await svc.load()).shardCount).toBe(1);

    await svc.put(lines('n', 0, 40));
    const grown = await svc.load();
    expect(grown).toMatchObject({ outcome: 'applied', shardCount: 4, added: 32 });
    let nodes = await nodesOf(svc.id);
    expect([...nodes.values()].every((n) => n.shard === n.hash % 4)).toBe(true);
    expect(new Set([...nodes.values()].map((n) => n.shard)).size).toBe(4);

    // 15 nodes need 2 shards: not few enough to leave 4 (a forced reload, as it is a big shrink).
    await svc.put(lines('n', 0, 15));
    expect(await svc.load({ force: true })).toMatchObject({ outcome: 'applied', shardCount: 4 });
    await svc.put(lines('n', 0, 9));
    expect(await svc.load({ force: true })).toMatchObject({ outcome: 'applied', shardCount: 1 });
    nodes = await nodesOf(svc.id);
    expect([...nodes.values()].every((n) => n.shard === 0)).toBe(true);
    expect((await serviceRow(svc.id)).shardCount).toBe(1);
  });

  it('reports bad rows with line numbers and loads the good ones', async () => {
    const svc = await service('bad-rows');
    await svc.put(['node,endpoint', 'good-1,', 'bad id,', 'good-2,http://g2/', 'good-3,not a url', '"unclosed,', ''].join('\n'));

    const r = await svc.load();

    expect(r).toMatchObject({ outcome: 'applied', nodeCount: 2, badRows: 3 });
    expect(r.badRowSamples).toEqual([
      { line: 3, reason: "node id has characters outside [A-Za-z0-9._:-]" },
      { line: 5, reason: "endpoint is not a URL" },
      { line: 6, reason: 'quoted field is never closed (quoted field opened on line 6)' },
    ]);
    expect([...(await nodesOf(svc.id)).keys()].sort()).toEqual(['good-1', 'good-2']);
    expect((await serviceRow(svc.id)).mappingBadRows).toBe(3);
  });

  it('delivers duplicate ids once, the first row winning', async () => {
    const svc = await service('duplicates', { format: 'ndjson' });
    await svc.put('{"node":"a","endpoint":"http://first/"}\n{"node":"b"}\n{"node":"a","endpoint":"http://second/"}\n');
    const r = await svc.load();
    expect(r).toMatchObject({ outcome: 'applied', nodeCount: 2, added: 2 });
    expect((await nodesOf(svc.id)).get('a')!.endpoint).toBe('http://first/');
  });

  it('stages a mapping larger than one batch, collapsing duplicates across batches', async () => {
    const svc = await service('batches');
    await svc.put(lines('n', 0, 12_000) + lines('n', 0, 3_000));
    const r = await svc.load();
    expect(r).toMatchObject({ outcome: 'applied', nodeCount: 12_000, added: 12_000, shardCount: 2048 });
    expect((await nodesOf(svc.id)).size).toBe(12_000);
  });

  it('holds a mapping that lost most of its nodes, until a reload forces it', async () => {
    const svc = await service('shrink');
    await svc.put(lines('n', 0, 100));
    const first = await svc.load();
    await svc.put(lines('n', 0, 10));
    const before = await loadCounts();

    const held = await svc.load({ knownEtag: first.etag });

    expect(held).toMatchObject({ outcome: 'held', nodeCount: 10, added: 0, removed: 0, shardCount: 16 });
    expect(held.heldReason).toBe('lists 10 nodes, fewer than 50% of the 100 in force; reload the mapping to apply it anyway');
    expect((await nodesOf(svc.id)).size).toBe(100);
    const row = await serviceRow(svc.id);
    expect(row).toMatchObject({ mappingEtag: first.etag, mappingNodeCount: 100, shardCount: 16 });
    expect(row.mappingError).toContain('held: lists 10 nodes');
    expect(await alertEvents(svc.id)).toEqual([{ kind: 'mapping_held', detail: expect.stringContaining('lists 10 nodes') }]);
    // The held object is not read again on the periodic check, and its note stays.
    expect(await svc.load({ knownEtag: held.etag })).toMatchObject({ outcome: 'unchanged', nodeCount: 100 });
    expect((await serviceRow(svc.id)).mappingError).toContain('held');

    const forced = await svc.load({ knownEtag: held.etag, force: true });
    expect(forced).toMatchObject({ outcome: 'applied', nodeCount: 10, removed: 90, shardCount: 1 });
    expect((await serviceRow(svc.id)).mappingError).toBeNull();
    const after = await loadCounts();
    const grew = (result: string) => (after[result] ?? 0) - (before[result] ?? 0);
    expect({ held: grew('held'), unchanged: grew('unchanged'), applied: grew('applied') }).toEqual({ held: 1, unchanged: 1, applied: 1 });
  });

  it('never applies an object without a valid row, even when forced', async () => {
    const svc = await service('empty');
    await svc.put(lines('n', 0, 5));
    await svc.load();
    await svc.put('host,endpoint\nn1,http://n1/\n');
    const held = await svc.load({ force: true });
    expect(held).toMatchObject({ outcome: 'held', heldReason: 'no valid rows; 1 bad', nodeCount: 0, badRows: 1 });
    expect((await nodesOf(svc.id)).size).toBe(5);
  });

  it('loads only the rows of its own service from a shared CSV', async () => {
    const shared = `s3://${BUCKET}/${run}/shared.csv`;
    const payments = await service('payments', { uri: shared });
    const search = await service('search', { uri: shared });
    await payments.put('service,node,endpoint\npayments,p1,\nsearch,s1,\npayments,p2,http://p2/\nsearch,s2,\nsearch,bad id,\n');

    expect(await payments.load()).toMatchObject({ outcome: 'applied', nodeCount: 2, badRows: 0 });
    expect(await search.load()).toMatchObject({ outcome: 'applied', nodeCount: 2, badRows: 1 });
    expect([...(await nodesOf(payments.id)).keys()].sort()).toEqual(['p1', 'p2']);
    expect([...(await nodesOf(search.id)).keys()].sort()).toEqual(['s1', 's2']);
  });

  it('streams a JSON array', async () => {
    const svc = await service('json');
    await svc.put(JSON.stringify([...Array.from({ length: 30 }, (_, i) => `j${i}`), { node: 'k', endpoint: 'https://k/' }]));
    expect(await svc.load()).toMatchObject({ outcome: 'applied', nodeCount: 31, shardCount: 4 });
  });

  it.each([
    ['a missing object', (name: string) => `s3://${BUCKET}/${run}/${name}-absent.csv`, 'MappingNotFound', /does not exist/],
    ['a missing bucket', () => `s3://no-such-bucket-${run}/m.csv`, 'MappingNotFound', /does not exist/],
    ['a bucket the deployment does not read', () => `s3://other-team-${run}/m.csv`, 'MappingBucketNotAllowed', /not one this deployment reads/],
    ['a malformed URI', () => 'https://example.com/m.csv', 'MappingUriInvalid', /is not an S3 URI/],
  ])('fails without retry on %s, naming the URI, and records the error', async (_case, uriFor, type, message) => {
    const name = `fail-${type.toLowerCase()}-${Math.random().toString(36).slice(2, 6)}`;
    const svc = await service(name, { uri: uriFor(name) });
    const failure = await failureOf(svc.load());
    expect(failure).toMatchObject({ type, nonRetryable: true });
    expect(failure.message).toMatch(message);
    expect(failure.message).toContain(svc.uri);
    expect((await serviceRow(svc.id)).mappingError).toBe(failure.message);
  });

  it('keeps the last good node list and raises an alert when S3 is down during a reload', async () => {
    const svc = await service('unreachable');
    await svc.put(lines('n', 0, 20));
    const good = await svc.load();
    expect(good).toMatchObject({ outcome: 'applied', nodeCount: 20 });
    const offlineMetrics = createWorkerMetrics();
    const offline = createMappingActivities({ ...mappingDeps, s3: createS3Client({ ...config, S3_ENDPOINT: 'http://127.0.0.1:1' }), metrics: offlineMetrics });
    const failure = await failureOf(activityEnv().run(offline.loadMapping, { serviceId: svc.id, knownEtag: good.etag, force: true }));
    expect(failure).toMatchObject({ type: 'MappingReadFailed', nonRetryable: false });
    expect(failure.message).toContain(svc.uri);
    expect(await loadCounts(offlineMetrics)).toEqual({ failed: 1 });
    expect((await nodesOf(svc.id)).size).toBe(20);
    expect(await alertEvents(svc.id)).toEqual([{ kind: 'mapping_failed', detail: failure.message }]);
  });

  it('fails without retry for a service that no longer exists, which is no failed load', async () => {
    const before = await loadCounts();
    const failure = await failureOf(activityEnv().run(loadMapping, { serviceId: randomUUID(), knownEtag: null, force: false }));
    expect(failure).toMatchObject({ type: 'ServiceGone', nonRetryable: true });
    expect(await loadCounts()).toEqual(before);
  });
});

describe('large objects and large applies', () => {
  /** A loader that reads objects over 64 bytes in ranges of 64, and the Range header of each GET it sends. */
  function rangedLoader() {
    const client = createS3Client(config);
    const ranges: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const range = (args.input as { Range?: string }).Range;
        if (context.commandName === 'GetObjectCommand') ranges.push(range ?? 'whole object');
        return next(args);
      },
      { step: 'initialize' },
    );
    const { loadMapping: load } = createMappingActivities({ ...mappingDeps, s3: client, rangedRead: { rangeBytes: 64, inFlight: 2 } });
    return { ranges, load, destroy: () => client.destroy() };
  }

  /** Longer than a range: wherever in the first range it starts, it ends in the second. */
  const straddler = `straddles-the-first-range-boundary-${'x'.repeat(40)}`;
  const objects: Record<string, string> = {
    csv: ['node,endpoint', `${straddler},http://s.example/m`, ...Array.from({ length: 40 }, (_, i) => `c${i},http://c${i}.example/m`), 'bad id,', '"q,1",', 'c7,http://dup/'].join('\n'),
    ndjson: [`{"node":"${straddler}"}`, ...Array.from({ length: 40 }, (_, i) => `{"node":"d${i}","endpoint":"http://d${i}.example/m"}`), '{"node":7}', 'not json'].join('\n'),
    lines: [straddler, ...Array.from({ length: 60 }, (_, i) => `l${i}`), 'bad id'].join('\r\n'),
    json: JSON.stringify([straddler, ...Array.from({ length: 40 }, (_, i) => ({ node: `j${i}`, endpoint: `http://j${i}.example/m` })), 5], null, 1),
  };

  it.each(Object.keys(objects))('reads a %s object in parallel ranges into the nodes and bad rows one GET reads', async (format) => {
    const body = objects[format]!;
    const at = body.indexOf(straddler);
    // The fixture's point: a row that begins in the first range and ends in the second.
    expect(at < 64 && at + straddler.length > 64).toBe(true);
    const uri = `s3://${BUCKET}/${run}/ranged.${format}`;
    const whole = await service(`ranged-${format}-whole`, { uri });
    const inRanges = await service(`ranged-${format}-ranges`, { uri });
    await whole.put(body);
    const ranged = rangedLoader();
    try {
      const one = await whole.load();
      const parts = await activityEnv().run(ranged.load, { serviceId: inRanges.id, knownEtag: null, force: false });

      const size = Buffer.byteLength(body);
      const expected = Array.from({ length: Math.ceil(size / 64) }, (_, i) => `bytes=${i * 64}-${Math.min(size, (i + 1) * 64) - 1}`);
      expect([...ranged.ranges].sort()).toEqual(expected.sort());
      const { outcome, nodeCount, badRows, badRowSamples, bytesRead, etag } = one;
      expect(parts).toMatchObject({ outcome, nodeCount, badRows, badRowSamples, bytesRead, etag });
      expect(badRows).toBeGreaterThan(0);
      const endpoints = async (id: string) => new Map([...(await nodesOf(id))].map(([node, n]) => [node, n.endpoint]));
      const nodes = await endpoints(inRanges.id);
      expect(nodes).toEqual(await endpoints(whole.id));
      expect(nodes.has(straddler)).toBe(true);
    } finally {
      ranged.destroy();
    }
  });

  /**
   * A loader that reads objects over 64 bytes in ranges of 64 (so in a parser thread), and runs
   * `midRead` before sending any GET but the first: the object is then being read.
   */
  function interruptedLoader(midRead: () => Promise<void> | void, deps: Partial<Parameters<typeof createMappingActivities>[0]> = {}) {
    const client = createS3Client(config);
    let gets = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand' && ++gets > 1) await midRead();
        return next(args);
      },
      { step: 'initialize' },
    );
    const { loadMapping: load } = createMappingActivities({ ...mappingDeps, s3: client, rangedRead: { rangeBytes: 64, inFlight: 2 }, ...deps });
    return { load, destroy: () => client.destroy() };
  }

  const parserThreads = async () => (await metrics.mappingParserThreads.get()).values[0]?.value ?? 0;
  const csvOf = (prefix: string, count: number) => ['node', ...Array.from({ length: count }, (_, i) => `${prefix}${i}`)].join('\n');

  it('fails retryably when the object is replaced mid-read, keeping the mapping in force', async () => {
    const svc = await service('replaced-mid-read');
    await svc.put(csvOf('r', 50));
    const first = await svc.load();
    await svc.put(csvOf('s', 50));
    let replaced = false;
    const loader = interruptedLoader(async () => {
      if (replaced) return;
      replaced = true;
      await svc.put(csvOf('t', 50));
    });
    try {
      const failure = await failureOf(activityEnv().run(loader.load, { serviceId: svc.id, knownEtag: first.etag, force: false }));
      expect(failure).toMatchObject({ type: 'MappingChanged', nonRetryable: false });
    } finally {
      loader.destroy();
    }
    expect([...(await nodesOf(svc.id)).keys()].sort()).toEqual(csvOf('r', 50).split('\n').slice(1).sort());
    expect(await parserThreads()).toBe(0);
  });

  it('fails retryably when its parser thread dies, and the worker loads the next one', async () => {
    const svc = await service('parser-dies');
    await svc.put(csvOf('p', 50));
    const first = await svc.load();
    await svc.put(csvOf('q', 50));
    // Enough for the thread to start, too little for it to load the parser: it runs out of memory.
    const starved = createMappingActivities({ ...mappingDeps, rangedRead: { rangeBytes: 64, inFlight: 2 }, parserLimits: { maxOldGenerationSizeMb: 4, maxYoungGenerationSizeMb: 1 } });
    const failure = await failureOf(activityEnv().run(starved.loadMapping, { serviceId: svc.id, knownEtag: first.etag, force: false }));
    expect(failure).toMatchObject({ type: 'MappingParserFailed', nonRetryable: false });
    expect(failure.message).toMatch(/parser thread died \(.*memory limit.*\); the mapping in force is kept/);
    expect([...(await nodesOf(svc.id)).keys()].sort()).toEqual(csvOf('p', 50).split('\n').slice(1).sort());
    expect((await serviceRow(svc.id)).mappingError).toMatch(/parser thread died/);
    expect(await parserThreads()).toBe(0);

    const ranged = createMappingActivities({ ...mappingDeps, rangedRead: { rangeBytes: 64, inFlight: 2 } });
    const retried = await activityEnv().run(ranged.loadMapping, { serviceId: svc.id, knownEtag: first.etag, force: false });
    expect(retried).toMatchObject({ outcome: 'applied', nodeCount: 50, added: 50, removed: 50 });
  });

  it('terminates its parser thread when the load is cancelled', async () => {
    const svc = await service('cancelled');
    await svc.put(csvOf('c', 200));
    const env = activityEnv();
    let threadsWhenCancelled: number | undefined;
    let cancelled = false;
    const loader = interruptedLoader(async () => {
      if (cancelled) return;
      cancelled = true;
      threadsWhenCancelled = await parserThreads();
      env.cancel();
    });
    try {
      const err = await env.run(loader.load, { serviceId: svc.id, knownEtag: null, force: false }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CancelledFailure);
    } finally {
      loader.destroy();
    }
    expect(threadsWhenCancelled).toBe(1);
    expect(await parserThreads()).toBe(0);
    expect(await nodesOf(svc.id)).toEqual(new Map());
  });

  /** The transaction that last wrote each of a service's node rows. */
  async function writers(serviceId: string): Promise<Map<string, string>> {
    const { rows } = await db.pool.query<{ node_id: string; xmin: string }>(`SELECT node_id, xmin::text AS xmin FROM nodes WHERE service_id = $1`, [serviceId]);
    return new Map(rows.map((r) => [r.node_id, r.xmin]));
  }

  it('writes only the rows that changed: an unchanged node keeps its row version', async () => {
    const svc = await service('difference');
    const csv = (rows: string[]) => ['node,endpoint', ...rows].join('\n');
    const listed = Array.from({ length: 500 }, (_, i) => `d${i},http://d${i}.example/m`);
    await svc.put(csv(listed));
    const first = await svc.load();
    const before = await writers(svc.id);

    // d0 moves, d1 goes, d500 arrives; a backslash in an endpoint is stored as written (COPY escapes it).
    await svc.put(csv(['d0,http://d0.example/moved', ...listed.slice(2), 'd500,http://d500.example/a\\b']));
    const r = await svc.load({ knownEtag: first.etag });

    expect(r).toMatchObject({ outcome: 'applied', nodeCount: 500, added: 1, removed: 1 });
    const after = await writers(svc.id);
    const rewritten = [...after].filter(([node, xmin]) => before.get(node) !== xmin).map(([node]) => node);
    expect(rewritten.sort()).toEqual(['d0', 'd500']);
    expect(after.has('d1')).toBe(false);
    const nodes = await nodesOf(svc.id);
    expect(nodes.get('d0')!.endpoint).toBe('http://d0.example/moved');
    expect(nodes.get('d500')!.endpoint).toBe('http://d500.example/a\\b');
  });

  it('analyzes the node table after an apply that changed many rows, and not after a small change', async () => {
    const svc = await service('analyze');
    const count = ANALYZE_MIN_ROWS + 1_000;
    await svc.put(lines('a', 0, count));
    const { rows: clock } = await db.pool.query<{ now: Date }>(`SELECT now()`);
    const lastAnalyze = async () =>
      (await db.pool.query<{ at: Date | null }>(`SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relid = 'nodes'::regclass`)).rows[0]!.at;

    const first = await svc.load();
    expect(first).toMatchObject({ outcome: 'applied', added: count });
    expect(first.heartbeats).toContainEqual({ applying: 'analyze' });
    expect((await lastAnalyze())!.getTime()).toBeGreaterThanOrEqual(clock[0]!.now.getTime());

    await svc.put(lines('a', 1, count + 1));
    const small = await svc.load({ knownEtag: first.etag });
    expect(small).toMatchObject({ outcome: 'applied', added: 1, removed: 1 });
    expect(small.heartbeats).not.toContainEqual({ applying: 'analyze' });
  });
});

/** nodes.service_id has no foreign key (prisma/schema.prisma): the lock protocol and trigger stand in. */
describe('node rows follow their service without a foreign key', () => {
  it('adds a forced node to a live service, none to a deleting one, and drops them with the service', async () => {
    const svc = await service('follow');
    await svc.put(lines('f-', 0, 3));
    await svc.load();
    const keyring = parseKeyring(randomBytes(32).toString('base64'));
    const forced = await upsertForcedNode(db.pool, keyring, { serviceId: svc.id, nodeId: 'f-new', endpoint: null });
    expect(forced?.node).toMatchObject({ nodeId: 'f-new', endpoint: null, attempts: 0 });
    expect(forced?.settings).toMatchObject({ serviceId: svc.id, shardCount: 1, signingSecret: 'x'.repeat(32) });

    await db.prisma.service.update({ where: { id: svc.id }, data: { status: 'deleting' } });
    expect(await upsertForcedNode(db.pool, keyring, { serviceId: svc.id, nodeId: 'f-late', endpoint: null })).toBeNull();
    expect([...(await nodesOf(svc.id)).keys()].sort()).toEqual(['f-0', 'f-1', 'f-2', 'f-new']);

    await db.prisma.service.delete({ where: { id: svc.id } });
    expect((await nodesOf(svc.id)).size).toBe(0);
  });
});
