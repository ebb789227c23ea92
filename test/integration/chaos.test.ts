/**
 * Faults survived on purpose, on a stack of the suite's own (test/support/chaos-stack.ts): two
 * workers and two APIs deliver to simulated nodes while each part in turn (a worker, Temporal,
 * PostgreSQL, MinIO, an API) is killed with SIGKILL mid-cycle and started again within the
 * refreshBefore budget: no node's copy expires, nothing registered is lost, the processes that
 * were not killed are still the same ones, and the customer's metadata-source rate holds across
 * both workers. Then every worker stays down longer than a service's TTL: each of its nodes'
 * breaches is told once, and each recovery once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/activities/s3';
import { loadConfig } from '../../src/config';
import { startMetadataSource, type MetadataSource } from '../../src/simulators/metadata-source';
import { startNodeFleet, type NodeFleet } from '../../src/simulators/node-fleet';
import { ChaosStack } from '../support/chaos-stack';
import { csvMapping, FLEET_SECRET, MAPPING_BUCKET } from '../support/engine';
import { eventually } from '../support/eventually';
import { expiredSeconds, ledgerOf } from '../support/ledger';
import { WebhookReceiver } from '../support/receivers';

const NODES = 200;
/** A pass over the nodes takes a few seconds of the 15 s cycle, so each kill lands inside one. */
const STEADY = { ttlSeconds: 40, refreshBeforeSeconds: 25 };
/** How long each part stays dead before it is started again (starting takes 1-5 s more). */
const DOWN_MS = 4000;
const SOURCE_RATE = 40;
const BRIEF_NODES = 20;
const BRIEF = { ttlSeconds: 10, refreshBeforeSeconds: 4 };

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

async function call(base: string, method: string, path: string, key: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('chaos: SIGKILL of each part, two workers and two APIs', () => {
  let stack: ChaosStack;
  let fleet: NodeFleet;
  let source: MetadataSource;
  /** The metadata source of the service registered mid-chaos, so `source` counts only the rate-limited one's requests. */
  let otherSource: MetadataSource;
  let webhook: WebhookReceiver;
  let s3: S3Client;
  const apis: string[] = [];
  let key = '';

  beforeAll(async () => {
    fleet = await startNodeFleet({ port: 0, secret: FLEET_SECRET });
    source = await startMetadataSource({ port: 0, mode: 'perNode' });
    otherSource = await startMetadataSource({ port: 0 });
    webhook = await WebhookReceiver.start();
    stack = await ChaosStack.start({
      COURIER_TASK_QUEUE: 'chaos',
      COURIER_SHARD_SIZE: '100',
      COURIER_DELIVERY_CONCURRENCY: '4',
      COURIER_RETRY_MAX_SECONDS: '2',
      COURIER_NOTIFY_EVERY_SECONDS: '1',
      COURIER_BREACH_SWEEP_SECONDS: '2',
      COURIER_NOTIFY_COALESCE_SECONDS: '2',
      COURIER_FLEET_TICK_SECONDS: '1',
      COURIER_LOG_LEVEL: 'warn',
    });
    s3 = createS3Client(loadConfig(stack.env));
    const [, , ...urls] = await Promise.all([stack.startWorker('worker-1'), stack.startWorker('worker-2'), stack.startApi('api-1'), stack.startApi('api-2')]);
    apis.push(...urls);
    const admin = loadConfig(stack.env).COURIER_ADMIN_KEY!;
    const customer = await call(apis[0]!, 'POST', '/v1/admin/customers', admin, { name: 'chaos' });
    await call(apis[0]!, 'POST', `/v1/admin/customers/${customer.body.id}/mapping-grants`, admin, { bucket: MAPPING_BUCKET, prefix: '' });
    key = (await call(apis[1]!, 'POST', `/v1/admin/customers/${customer.body.id}/keys`, admin, {})).body.key;
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    s3?.destroy();
    await Promise.all([fleet?.close(), source?.close(), otherSource?.close(), webhook?.close()]);
  });

  const register = async (api: string, name: string, nodes: number, timing: { ttlSeconds: number; refreshBeforeSeconds: number }, over: object = {}) => {
    await s3.send(new PutObjectCommand({ Bucket: MAPPING_BUCKET, Key: `${name}.csv`, Body: csvMapping(`${name}-`, nodes) }));
    const res = await call(api, 'POST', '/v1/services', key, {
      name,
      mapping: { uri: `s3://${MAPPING_BUCKET}/${name}.csv` },
      metadata: { url: source.urlTemplate },
      ...timing,
      delivery: { endpoint: `${fleet.url}/nodes/{node}/metadata`, timeoutMs: 2000 },
      signingSecret: FLEET_SECRET,
      ...over,
    });
    if (res.status !== 201) throw new Error(`registering ${name} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const deliveries = (service: string) => [...ledgerOf(fleet, service).values()].reduce((sum, n) => sum + n.deliveries, 0);
  const allDelivered = (service: string, count: number, since = 0) =>
    eventually(`every node of ${service} delivered`, async () => {
      const ledger = ledgerOf(fleet, service);
      return ledger.size === count && [...ledger.values()].every((n) => Date.parse(n.deliveredAt ?? '') > since) ? ledger : undefined;
    }, 90_000, 250);

  it('loses no deadline and nothing registered when each part is killed for less than refreshBefore', async () => {
    fleet.setFaults([{ mode: 'latency', ms: 100 }]);
    await register(apis[0]!, 'steady', NODES, STEADY, { metadata: { url: source.urlTemplate, maxRequestsPerSecond: SOURCE_RATE } });
    await allDelivered('steady', NODES);

    // The source's busiest 2 s, sampled: the customer's rate holds across both workers.
    const samples: [number, number][] = [];
    const sampler = setInterval(() => samples.push([Date.now(), source.stats().requests]), 250);
    const outages: string[] = [];
    let lastBackAt = 0;
    try {
      for (const part of ['worker-1', 'temporal', 'postgres', 'minio', 'api-1']) {
        const before = deliveries('steady');
        await eventually('a delivery pass under way', async () => (deliveries('steady') > before ? true : undefined), 30_000, 50);
        await stack.kill(part);
        const killedAt = Date.now();
        await whileDown(part);
        await sleep(Math.max(0, DOWN_MS - (Date.now() - killedAt)));
        await stack.restart(part);
        lastBackAt = Date.now();
        outages.push(`${part} ${((lastBackAt - killedAt) / 1000).toFixed(1)} s`);
      }
      const ledger = await allDelivered('steady', NODES, lastBackAt);
      const during = await allDelivered('during', NODES / 4);

      const total = deliveries('steady');
      const most = Math.max(...[...ledger.values()].map((n) => n.deliveries));
      const rate = busiestRate(samples, 2000);
      console.log(
        `[measure] chaos: down ${outages.join(', ')}; steady: ${total} deliveries to ${NODES} nodes (at most ${most} to one), ` +
          `${expiredSeconds(ledger.values())} node-seconds expired; during: ${expiredSeconds(during.values())}; ` +
          `source busiest 2 s: ${rate.toFixed(1)} requests/s for a limit of ${SOURCE_RATE}/s`,
      );
      expect(expiredSeconds(ledger.values())).toBe(0);
      expect(expiredSeconds(during.values())).toBe(0);
      // Two workers each at the full rate would reach twice the limit; sampling adds a little.
      expect(rate).toBeLessThan(SOURCE_RATE * 1.3);
    } finally {
      clearInterval(sampler);
    }

    // Nothing registered is lost, whichever API is asked.
    for (const api of apis) {
      const list = await call(api, 'GET', '/v1/services?limit=100', key);
      expect(list.body.items.map((s: { name: string }) => s.name).sort()).toEqual(['during', 'steady']);
    }
    // The parts not killed are the processes they were: none died of the others' outages.
    expect(stack.startsOf('worker-2')).toBe(1);
    expect(stack.startsOf('api-2')).toBe(1);
    expect([...stack.running()].sort()).toEqual(['api-1', 'api-2', 'minio', 'postgres', 'temporal', 'worker-1', 'worker-2']);
  });

  it('tells each breach once and each recovery once when every worker is down for longer than the TTL', async () => {
    const id = await register(apis[1]!, 'brief', BRIEF_NODES, BRIEF, { notifications: { webhookUrl: webhook.url } });
    await allDelivered('brief', BRIEF_NODES);
    await Promise.all([stack.kill('worker-1'), stack.kill('worker-2')]);
    await sleep((BRIEF.ttlSeconds + 2) * 1000);
    expect([...ledgerOf(fleet, 'brief').values()].every((n) => n.expired)).toBe(true);
    await Promise.all([stack.restart('worker-1'), stack.restart('worker-2')]);
    const backAt = Date.now();
    await allDelivered('brief', BRIEF_NODES, backAt);

    const told = async () => {
      const items: { kind: string; data: { nodeCount: number } }[] = (await call(apis[0]!, 'GET', `/v1/notifications?serviceId=${id}&limit=100`, key)).body.items;
      const count = (kind: string) => items.filter((n) => n.kind === kind).reduce((sum, n) => sum + n.data.nodeCount, 0);
      return { breach: count('breach'), recovered: count('recovered') };
    };
    // A fleet-duties activity cut off by the kill is retried only after its heartbeat timeout (1 min),
    // and the breach sweep is one of its duties: the wait allows for that, and says what it saw.
    await eventually(`every breach and recovery told (${BRIEF_NODES} each)`, async () => {
      const seen = await told();
      if (seen.breach >= BRIEF_NODES && seen.recovered >= BRIEF_NODES) return seen;
      throw new Error(`told so far: ${seen.breach} breaches, ${seen.recovered} recoveries`);
    }, 120_000, 500);
    // Windows pass with the nodes healthy: nothing more is told about the episode.
    await sleep(5000);
    expect(await told()).toEqual({ breach: BRIEF_NODES, recovered: BRIEF_NODES });
    const ledger = ledgerOf(fleet, 'brief');
    expect([...ledger.values()].map((n) => n.lateArrivals)).toEqual(Array(BRIEF_NODES).fill(1));
    console.log(`[measure] chaos: every worker down ${BRIEF.ttlSeconds + 2} s: ${BRIEF_NODES} breaches told, ${BRIEF_NODES} recoveries told`);
  });

  /** Checks made while a part is dead: the APIs left answer, and say what is away. */
  async function whileDown(part: string): Promise<void> {
    const api = apis[1]!;
    if (part === 'postgres') {
      const res = await call(api, 'GET', '/v1/services', key);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toEqual(expect.any(String));
      expect((await call(api, 'GET', '/readyz', key)).body.detail).toContain('database');
    }
    if (part === 'temporal') {
      const ready = await call(api, 'GET', '/readyz', key);
      expect([ready.status, ready.body.detail]).toEqual([503, expect.stringContaining('temporal')]);
    }
    if (part === 'api-1') await register(api, 'during', NODES / 4, STEADY, { metadata: { url: otherSource.urlTemplate } });
  }
});

/** The highest request rate over any `windowMs` of the samples ([time, cumulative count]). */
function busiestRate(samples: [number, number][], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; j < samples.length; j++) {
    while (samples[j]![0] - samples[i]![0] > windowMs) i++;
    const span = samples[j]![0] - samples[i]![0];
    if (span >= windowMs / 2) best = Math.max(best, ((samples[j]![1] - samples[i]![1]) * 1000) / span);
  }
  return best;
}
