/**
 * The per-node job queue row: the same deliveries as BullMQ jobs on Redis, one job per node, a
 * worker process of the same concurrency. Redis is Debian's `redis-server`, started here on its
 * own port without persistence; without it the row is skipped with a note.
 */
import { spawnSync } from 'node:child_process';
import { Queue } from 'bullmq';
import { CpuWindow, FLEET_SECRET, LOG_DIR, PORTS, progress, sleep, waitForAcks, type Bench } from './context';
import { startChild, type BenchChild } from './processes';
import { finishRow, skippedRow, type Row } from './result';

const QUEUE = 'bench-deliveries';
const WARMUP_NODES = 2_000;
const ADD_CHUNK = 1_000;

const REDIS_MISSING = "redis-server not found: install Debian's package with `sudo apt-get install redis-server` to run this row";

function redisServerPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

async function startRedis(path: string): Promise<BenchChild> {
  const redis = startChild({
    name: 'redis',
    command: path,
    args: ['--port', String(PORTS.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    logDir: LOG_DIR,
  });
  await redis.waitForLine('Ready to accept connections', 20_000);
  return redis;
}

export async function runJobQueue(bench: Bench): Promise<Row> {
  const { options, sim } = bench;
  const path = redisServerPath();
  if (!path) {
    progress(`job queue: ${REDIS_MISSING}`);
    return skippedRow('job queue (BullMQ)', REDIS_MISSING);
  }
  const nodes = options.peerNodes;
  progress(`job queue: BullMQ on Redis :${PORTS.redis}, one job per node, ${nodes.toLocaleString('en')} nodes, worker concurrency ${options.concurrency}`);
  await sim.reset();
  const redis = await startRedis(path);
  const worker = startChild({
    name: 'queue-worker',
    script: 'bench/job-queue-worker.ts',
    env: {
      ...process.env,
      BENCH_QUEUE: JSON.stringify({
        redisPort: PORTS.redis,
        queue: QUEUE,
        lanes: options.concurrency,
        target: { fleetUrl: sim.fleetUrl, sourceUrl: sim.sourceUrl, secret: FLEET_SECRET, service: 'bench-queue', ttlSeconds: 3600, connections: options.concurrency },
      }),
    },
    logDir: LOG_DIR,
  });
  const queue = new Queue<{ node: string }>(QUEUE, { connection: { host: '127.0.0.1', port: PORTS.redis, maxRetriesPerRequest: null } });
  const enqueue = async (prefix: string, count: number) => {
    for (let from = 0; from < count; from += ADD_CHUNK) {
      const jobs = Array.from({ length: Math.min(ADD_CHUNK, count - from) }, (_, i) => ({
        name: 'deliver',
        data: { node: `${prefix}${from + i}` },
        opts: { removeOnComplete: true, removeOnFail: 1000, attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
      }));
      await queue.addBulk(jobs);
    }
  };
  try {
    await worker.waitFor('ready', 60_000);
    progress(`job queue: warm-up with ${WARMUP_NODES.toLocaleString('en')} jobs`);
    const warmFrom = await sim.acked();
    await enqueue('q', WARMUP_NODES);
    await waitForAcks(sim, warmFrom + WARMUP_NODES, { timeoutMs: 60_000, label: 'job queue warm-up' });
    await sleep(500);

    const before = await sim.acked();
    const cpu = new CpuWindow(bench.scope({ worker: worker.pid, redis: redis.pid }));
    const t0 = Date.now();
    const enqueued = enqueue('q', nodes).then(() => Date.now());
    const reached = await waitForAcks(sim, before + nodes, { timeoutMs: options.peerSeconds * 1000, label: 'job queue' });
    const seconds = (reached.reachedAt - t0) / 1000;
    const row = finishRow({
      name: 'job queue (BullMQ)',
      how: `one BullMQ job per node (addBulk), worker concurrency ${options.concurrency}, Redis without persistence`,
      deliveries: reached.acked - before,
      seconds,
      cpu: cpu.end(),
      notes: [
        `all jobs enqueued ${(((await enqueued) - t0) / 1000).toFixed(1)} s after the start`,
        ...(reached.timedOut ? [`time cap of ${options.peerSeconds} s reached`] : []),
      ],
    });
    progress(`job queue: ${Math.round(row.perSecond).toLocaleString('en')} deliveries/s`);
    return row;
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await worker.stop();
    await redis.stop();
  }
}
