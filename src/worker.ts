/**
 * The worker: runs every workflow and activity of Courier on its task queue, and the work a
 * customer waits on (mapping loads, first runs) on the quick queue beside it; or one side of that,
 * when a deployment splits the workflows from the bulk activities (COURIER_WORKER_ROLE). Temporal's runtime
 * turns SIGINT/SIGTERM into a graceful shutdown: no new tasks are taken, in-flight activities get
 * the grace period, and whatever is cut off is retried elsewhere from the progress in PostgreSQL.
 * An outage of PostgreSQL or Temporal does not end it: see runUntilStopped.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createTransport } from 'nodemailer';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { createActivities } from './activities';
import { watchLiveWorkers } from './activities/delivery/live-workers';
import { createGuardedAgent } from './net/guarded-agent';
import { createS3Client } from './activities/s3';
import { ConfigError, type Config } from './config';
import { connectDatabase } from './db';
import { Backoff } from './domain/backoff';
import { quickTaskQueue } from './domain/task-queues';
import { runMain } from './observability/logger';
import { startMetricsServer } from './observability/metrics-server';
import { createNodeGauges, startNodeGaugeCollector } from './observability/node-gauges';
import { unreachableDependencies } from './observability/readiness';
import { installTemporalRuntime, type TemporalRuntime } from './observability/temporal-runtime';
import { createWorkerMetrics, type WorkerMetrics } from './observability/worker-metrics';
import { lowerCpuPriority } from './process-priority';
import { FLEET_WORKFLOW_TYPE, fleetStartOptions } from './workflows/fleet/definitions';
import { NOTIFIER_WORKFLOW_TYPE, notifierStartOptions } from './workflows/notifier/definitions';

const HEALTH_TIMEOUT_MS = 2000;
const LIVE_WORKERS_EVERY_MS = 5000;

async function main(config: Config, logger: Logger): Promise<void> {
  // First, so that the threads Temporal's runtime starts next inherit the priority.
  if (config.COURIER_WORKER_NICE > 0) lowerPriority(config.COURIER_WORKER_NICE, logger);
  // The SDK's metrics join the worker's /metrics, so they are on only where that is.
  const runtime = await installTemporalRuntime(logger, config.COURIER_WORKER_METRICS_PORT === 0 ? null : 0);
  // The work a customer waits on (forced refreshes, the quick queue) keeps its connections open;
  // only a worker with workflows runs it, and the bulk runs can open theirs.
  const waitedOnSlots = config.COURIER_QUICK_SLOTS + config.COURIER_FORCED_CONCURRENCY;
  const db = connectDatabase(config.DATABASE_URL, {
    maxConnections: config.COURIER_MAX_CONCURRENT_ACTIVITIES + waitedOnSlots + 4,
    keepConnections: config.COURIER_WORKER_ROLE === 'activities' ? 0 : waitedOnSlots,
    onConnectionLost: (err) => logger.warn({ err: err.message }, 'database connection lost; reconnecting on the next query'),
  });
  const policy = { allowPrivateNetworks: config.COURIER_ALLOW_PRIVATE_NETWORKS };
  const dispatchers = {
    bulk: createGuardedAgent({ policy, connections: config.COURIER_HTTP_CONNECTIONS }),
    forcedRefresh: createGuardedAgent({ policy, connections: config.COURIER_FORCED_CONCURRENCY }),
  };
  const notificationDispatcher = createGuardedAgent({ policy, connections: 8 });
  const mailer = config.COURIER_SMTP_URL ? createTransport(config.COURIER_SMTP_URL) : null;
  // Lazy: connects on first use and reconnects by itself, so a Temporal that is away at start is waited for.
  const clientConnection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
  const metrics = createWorkerMetrics();
  const identity = `${process.pid}@${hostname()}`;
  const liveWorkers = watchLiveWorkers({
    temporal: client,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.COURIER_TASK_QUEUE,
    identity,
    everyMs: LIVE_WORKERS_EVERY_MS,
    // Temporal away is told by /healthz and the worker's own reconnects; the last count stands.
    onError: () => undefined,
  });
  const activities = createActivities({
    db,
    s3: createS3Client(config),
    temporal: client,
    dispatchers,
    notificationDispatcher,
    mailer,
    config,
    metrics,
    liveWorkers: liveWorkers.count,
  });
  let workers: Worker[] = [];
  const polling = () => workers.length > 0 && workers.every((w) => w.getState() === 'RUNNING');
  const stopObserving = await startObserving(config, db.pool, metrics, logger, runtime, async () => [
    ...(polling() ? [] : ['worker not polling']),
    ...(config.COURIER_WORKER_ROLE === 'workflows' && liveWorkers.others() === 0
      ? [`no activities worker polls task queue '${config.COURIER_TASK_QUEUE}': bulk delivery runs wait`]
      : []),
    ...(await unreachableDependencies({ pool: db.pool, temporal: client }, HEALTH_TIMEOUT_MS)),
  ]);
  try {
    // An `activities` worker runs no workflow: it needs no bundle.
    const source = config.COURIER_WORKER_ROLE === 'activities' ? null : await workflowSource(config, logger);
    await liveWorkers.ready;
    await runUntilStopped(logger, async () => {
      const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
      try {
        const common = { connection, namespace: config.TEMPORAL_NAMESPACE, identity, activities, shutdownGraceTime: '10 seconds' as const };
        workers = await createWorkers(config, common, source);
        const running = runTogether(workers);
        metrics.workerUp.set(1);
        // The line supervisors wait for (tests, the bench, start scripts): at info even when COURIER_LOG_LEVEL is quieter.
        logger
          .child({}, { level: logger.isLevelEnabled('info') ? logger.level : 'info' })
          .info(
            { taskQueue: config.COURIER_TASK_QUEUE, role: config.COURIER_WORKER_ROLE, temporal: config.TEMPORAL_ADDRESS },
            `courier worker polling ${describeRole(config)}`,
          );
        void keepSingletonsStarted(client, config, logger, polling);
        await running;
      } finally {
        metrics.workerUp.set(0);
        await connection.close().catch(() => undefined);
      }
    });
  } finally {
    await liveWorkers.stop();
    await stopObserving();
    await clientConnection.close();
    mailer?.close();
    await Promise.all([dispatchers.bulk.close(), dispatchers.forcedRefresh.close(), notificationDispatcher.close()]);
    await db.close();
  }
}

/** A priority is an optimisation: a host that refuses it gets a warning, not a worker that will not start. */
function lowerPriority(nice: number, logger: Logger): void {
  try {
    const threads = lowerCpuPriority(nice);
    logger.info({ nice, threads }, `CPU priority lowered to nice ${nice}`);
  } catch (err) {
    logger.warn({ err: (err as Error).message, nice }, 'could not lower the CPU priority; running at the normal one');
  }
}

type CommonWorkerOptions = Pick<WorkerOptions, 'connection' | 'namespace' | 'identity' | 'activities' | 'shutdownGraceTime'>;

/**
 * The SDK workers of this process's COURIER_WORKER_ROLE: on the task queue and the quick queue
 * beside it, or (no workflow source: the `activities` role) the task queue's activities alone.
 */
async function createWorkers(config: Config, common: CommonWorkerOptions, source: WorkflowSource | null): Promise<Worker[]> {
  const taskQueue = config.COURIER_TASK_QUEUE;
  const activitySlots = { maxConcurrentActivityTaskExecutions: config.COURIER_MAX_CONCURRENT_ACTIVITIES };
  if (source === null) return [await Worker.create({ ...common, taskQueue, ...activitySlots })];
  return [
    await Worker.create({
      ...common,
      taskQueue,
      ...source,
      ...activitySlots,
      // A `workflows` worker keeps its local activities and leaves the task queue's activities to `activities` workers.
      enableNonLocalActivities: config.COURIER_WORKER_ROLE === 'all',
      maxCachedWorkflows: config.COURIER_WORKFLOW_CACHE_SIZE,
      maxConcurrentWorkflowTaskExecutions: config.COURIER_MAX_CONCURRENT_WORKFLOW_TASKS,
      // Forced refreshes: local activities with slots of their own (src/workflows/activities.ts).
      maxConcurrentLocalActivityExecutions: config.COURIER_FORCED_CONCURRENCY,
    }),
    // Activities only: the work a customer waits on, with slots the bulk runs never take.
    await Worker.create({ ...common, taskQueue: quickTaskQueue(taskQueue), maxConcurrentActivityTaskExecutions: config.COURIER_QUICK_SLOTS }),
  ];
}

function describeRole(config: Config): string {
  const queue = config.COURIER_TASK_QUEUE;
  const quick = quickTaskQueue(queue);
  switch (config.COURIER_WORKER_ROLE) {
    case 'all':
      return `task queue '${queue}' (and '${quick}')`;
    case 'workflows':
      return `task queue '${queue}' for workflows and their local activities (and '${quick}')`;
    case 'activities':
      return `task queue '${queue}' for activities`;
  }
}

/** Runs the workers until all have stopped; one that fails stops the others, so a restart starts them all afresh. */
async function runTogether(workers: Worker[]): Promise<void> {
  await Promise.all(
    workers.map((w) =>
      w.run().catch((err: unknown) => {
        for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
        throw err;
      }),
    ),
  );
}

/**
 * Runs the worker until a shutdown signal, starting it again with backoff whenever it fails: a
 * Temporal server away at start or for longer than the SDK's own retries makes `connect` or
 * `run` reject, and a deployment's Temporal comes back. Temporal's runtime turns SIGINT/SIGTERM
 * into a graceful shutdown of a running worker (`run` resolves); a signal while waiting ends the wait.
 */
async function runUntilStopped(log: Logger, runOnce: () => Promise<void>): Promise<void> {
  let stopping = false;
  const wake = new AbortController();
  const stop = () => {
    stopping = true;
    wake.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const backoff = new Backoff();
  while (!stopping) {
    const began = Date.now();
    try {
      await runOnce();
      return;
    } catch (err) {
      if (err instanceof ConfigError || stopping) throw err;
      const delay = backoff.next(Date.now() - began);
      log.error({ err: (err as Error).message, retryInSeconds: delay / 1000 }, `courier worker stopped; starting again in ${delay / 1000} s`);
      await sleep(delay, undefined, { signal: wake.signal }).catch(() => undefined);
    }
  }
}

/**
 * Every worker makes sure its task queue's notifier and fleet workflows run; the first start
 * wins, later ones find them. Their duties claim turns in PostgreSQL, so they run once per
 * deployment however many workers start them. Retried while the worker runs: Temporal may be
 * away just now.
 */
async function keepSingletonsStarted(client: Client, config: Config, log: Logger, running: () => boolean): Promise<void> {
  const queue = config.COURIER_TASK_QUEUE;
  const starts = [
    { type: NOTIFIER_WORKFLOW_TYPE, options: notifierStartOptions({ everySeconds: config.COURIER_NOTIFY_EVERY_SECONDS }, queue) },
    { type: FLEET_WORKFLOW_TYPE, options: fleetStartOptions({ tickSeconds: config.COURIER_FLEET_TICK_SECONDS }, queue) },
  ];
  const backoff = new Backoff();
  while (running()) {
    try {
      for (const { type, options } of starts) await client.workflow.start(type, { ...options, workflowIdConflictPolicy: 'USE_EXISTING' });
      return;
    } catch (err) {
      const delay = backoff.next(0);
      log.warn({ err: (err as Error).message }, `notifier and fleet workflows not started; trying again in ${delay / 1000} s`);
      await sleep(delay);
    }
  }
}

/**
 * /metrics (Courier's and the Temporal SDK's) and /healthz (503 naming what is wrong: the worker
 * not polling, the database or Temporal not answering), and the node gauges: every worker shows
 * the snapshot the fleet duty computed once for the deployment (one small row), so the alerts
 * aggregate across workers with max/min and no worker scans the fleet.
 */
async function startObserving(
  config: Config,
  pool: Pool,
  metrics: WorkerMetrics,
  log: Logger,
  runtime: TemporalRuntime,
  unhealthy: () => Promise<string[]>,
): Promise<() => Promise<void>> {
  if (config.COURIER_WORKER_METRICS_PORT === 0) return async () => {};
  const server = await startMetricsServer({
    registry: metrics.registry,
    host: config.COURIER_WORKER_METRICS_HOST,
    port: config.COURIER_WORKER_METRICS_PORT,
    unhealthy,
    more: runtime.sdkMetrics ?? undefined,
    onError: (err) => log.warn({ err }, "the Temporal SDK's metrics were not read"),
  });
  log.info({ url: `${server.url}/metrics` }, `courier worker metrics on ${server.url}/metrics`);
  const collector = startNodeGaugeCollector({
    pool,
    gauges: createNodeGauges(metrics.registry),
    everyMs: config.COURIER_NODE_GAUGE_SECONDS * 1000,
    onError: (err) => log.warn({ err }, 'node gauges not read'),
  });
  return async () => {
    collector.stop();
    await server.close();
  };
}

/**
 * A prebuilt bundle saves the seconds of bundling at each start: COURIER_WORKFLOW_BUNDLE, else the
 * one `npm run build` writes beside the compiled worker (the image's). From source (tsx) there is
 * none, and the worker bundles src/workflows itself — once, not again at each restart.
 */
type WorkflowSource = { workflowBundle: { codePath: string } | { code: string } };

async function workflowSource(config: Config, log: Logger): Promise<WorkflowSource> {
  // package.json's build script writes it there.
  const built = join(__dirname, 'workflow-bundle.js');
  const codePath = config.COURIER_WORKFLOW_BUNDLE ?? (existsSync(built) ? built : undefined);
  log.info({ workflowBundle: codePath ?? null }, codePath ? `workflows from the bundle ${codePath}` : 'workflows bundled at start');
  if (codePath) return { workflowBundle: { codePath } };
  return { workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows') }) };
}

runMain('courier-worker', main);
