/**
 * The delivery hot path alone: `attemptBatch` of a Courier source tree (src/ or a modified copy)
 * driven like the worker drives it (16 activities at once, batches of 500, 64 in flight each,
 * one shared undici Agent, inside an AsyncLocalStorage context and with an AbortSignal, as in an
 * activity), against the bench simulators; no Temporal, no database. It prints the CPU time of
 * this process per delivery, which is what a change to src/engine/delivery/ moves.
 *
 *   npx tsx bench/micro-delivery.ts [--reps 3] [--seconds 10] <label>=<src dir>[@K=V,K=V] ...
 *   npx tsx bench/micro-delivery.ts base=src variant=/tmp/copy/src
 *
 * Harness switches (after @): MICRO_PROFILE_DIR=<dir> writes a CPU profile there, MICRO_NO_ALS=1 runs outside any AsyncLocalStorage context,
 * MICRO_NO_SIGNAL=1 passes no AbortSignal, MICRO_ACTIVITIES / MICRO_CONCURRENCY change the
 * 16 x 64 shape.
 *
 * Each tree runs in a process of its own, alternating, `reps` times.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { join, resolve } from 'node:path';
import { LOG_DIR } from './context';
import { emit, ROOT, startChild } from './processes';

const SECRET = 'courier-micro-bench-fleet-secret-0123456789';

interface Measured {
  deliveries: number;
  failed: number;
  cpuMs: number;
  seconds: number;
}

async function child(srcDir: string, fleetUrl: string, sourceUrl: string, seconds: number): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { attemptBatch } = require(join(srcDir, 'engine/delivery/attempt')) as typeof import('../src/engine/delivery/attempt');
  const { SourceLimiter } = require(join(srcDir, 'engine/delivery/source-limiter')) as typeof import('../src/engine/delivery/source-limiter');
  const { parseKeyring } = require(join(srcDir, 'domain/secret-box')) as typeof import('../src/domain/secret-box');
  const { Agent } = require(join(srcDir, '..', 'node_modules', 'undici')) as typeof import('undici');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
  const settings = {
    serviceId: '00000000-0000-0000-0000-000000000001',
    name: 'micro',
    metadataUrl: `${sourceUrl}/v1/metadata?service={service}`,
    deliveryEndpoint: `${fleetUrl}/nodes/{node}/metadata`,
    deliverySecondaryEndpoint: null,
    deliveryTimeoutMs: 5000,
    ttlSeconds: 3600,
    refreshBeforeSeconds: 1200,
    signingSecret: SECRET,
    shardCount: 1,
    sourceLimits: { maxConcurrency: null, maxRequestsPerSecond: null },
  };
  // A shared metadata URL: one fetch per batch, never near the limit.
  const sourceLimiter = new SourceLimiter(1);
  // Signs each delivery's pull token, as a worker does.
  const keyring = parseKeyring(Buffer.alloc(32, 1).toString('base64'));
  const als = new AsyncLocalStorage<{ activity: number }>();
  const controller = new AbortController();
  let deliveries = 0;
  let failed = 0;
  let next = 0;
  const run = async (measureUntil: number) => {
    while (Date.now() < measureUntil) {
      const nodes = Array.from({ length: 500 }, () => ({ nodeId: `m${next++ % 50_000}`, endpoint: null, attempts: 0, lastError: null, expiresAt: null, alert: null, alertSince: null }));
      const signal = process.env.MICRO_NO_SIGNAL ? undefined : controller.signal;
      const concurrency = Number(process.env.MICRO_CONCURRENCY ?? 64);
      await attemptBatch(nodes, settings, { dispatcher, concurrency, secondaryAfterAttempts: 3, now: () => new Date(), random: Math.random, signal, sourceLimiter, keyring }, (r) => {
        if (r.acked) deliveries += 1;
        else failed += 1;
      });
    }
  };
  const activityCount = Number(process.env.MICRO_ACTIVITIES ?? 16);
  const activities = (until: number) =>
    Promise.all(Array.from({ length: activityCount }, (_, i) => (process.env.MICRO_NO_ALS ? run(until) : als.run({ activity: i }, () => run(until)))));
  await activities(Date.now() + 3_000);
  deliveries = 0;
  failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await activities(t0 + seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const measured: Measured = { deliveries, failed, cpuMs: (cpu.user + cpu.system) / 1000, seconds: (Date.now() - t0) / 1000 };
  emit('result', { ...measured });
  await dispatcher.close();
  process.exit(0);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [, srcDir, fleetUrl, sourceUrl, seconds] = args;
    await child(srcDir as string, fleetUrl as string, sourceUrl as string, Number(seconds));
    return;
  }
  let reps = 3;
  let seconds = 10;
  const trees: { label: string; dir: string; env: Record<string, string> }[] = [];
  while (args.length > 0) {
    const a = args.shift() as string;
    if (a === '--reps') reps = Number(args.shift());
    else if (a === '--seconds') seconds = Number(args.shift());
    else {
      const [spec, envSpec] = a.split('@');
      const [label, dir] = (spec ?? '').split('=');
      if (!label || !dir) throw new Error(`expected <label>=<src dir>[@K=V,...], got '${a}'`);
      const env = Object.fromEntries((envSpec ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
      trees.push({ label, dir: resolve(ROOT, dir), env });
    }
  }
  if (trees.length === 0) trees.push({ label: 'src', dir: join(ROOT, 'src'), env: {} });
  const sim = startChild({
    name: 'micro-simulators',
    script: 'bench/sim.ts',
    env: { ...process.env, BENCH_SIM: JSON.stringify({ fleetPort: 0, sourcePort: 0, controlPort: 0, secret: SECRET, payloadBytes: 10_240 }) },
    logDir: LOG_DIR,
  });
  const ready = await sim.waitFor('ready', 30_000);
  const results = new Map<string, number[]>();
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const { label, dir, env } of trees) {
        const c = startChild({
          name: `micro-${label}`,
          env: { ...process.env, ...env },
          nodeFlags: env.MICRO_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${env.MICRO_PROFILE_DIR}`] : [],
          script: 'bench/micro-delivery.ts',
          args: ['--child', dir, ready.fleetUrl as string, ready.sourceUrl as string, String(seconds)],
          logDir: LOG_DIR,
        });
        const r = (await c.waitFor('result', (seconds + 60) * 1000)) as unknown as Measured;
        await c.exited;
        const usPerDelivery = (r.cpuMs * 1000) / Math.max(1, r.deliveries);
        (results.get(label) ?? results.set(label, []).get(label) ?? []).push(usPerDelivery);
        console.log(
          `rep ${rep} ${label.padEnd(12)} ${Math.round(r.deliveries / r.seconds).toString().padStart(6)} deliveries/s  ${usPerDelivery.toFixed(1).padStart(6)} µs CPU per delivery  (${r.failed} failed)`,
        );
      }
    }
  } finally {
    await sim.stop();
  }
  console.log('\nmedian CPU per delivery:');
  for (const [label, values] of results) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(`  ${label.padEnd(12)} ${(sorted[Math.floor(sorted.length / 2)] as number).toFixed(1)} µs`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
