/**
 * The worker: runs every workflow and activity of Courier on one task queue. Temporal's runtime
 * turns SIGINT/SIGTERM into a graceful shutdown: no new tasks are taken, in-flight activities get
 * the grace period, and whatever is cut off is retried elsewhere from the progress in PostgreSQL.
 * An outage of PostgreSQL or Temporal does not end it: see runUntilStopped.
 */
import { Client, Connection } from '@temporalio/client';
import { hostname } from 'node:os';
import { createTransport } from 'nodemailer';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from './activities';
import { watchLiveWorkers } from './activities/delivery/live-workers';
import { createGuardedAgent } from './activities/http/guarded-agent';
import { createS3Client } from './activities/s3';
import { ConfigError, loadConfig, type Config } from './config';
import { connectDatabase } from './db';
import { Backoff } from './domain/backoff';
import { NOTIFIER_WORKFLOW_TYPE, notifierStartOptions } from './workflows/notifier/definitions';
import { startMetricsServer } from './observability/metrics-server';
import { createNodeGauges, startNodeGaugeCollector } from './observability/node-gauges';
import { unreachableDependencies } from './observability/readiness';
import { createWorkerMetrics, type WorkerMetrics } from './observability/worker-metrics';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = connectDatabase(config.DATABASE_URL, {
    maxConnections: config.COURIER_MAX_CONCURRENT_ACTIVITIES + config.COURIER_FORCED_CONCURRENCY + 4,
  });
  const policy = { allowPrivateNetworks: config.COURIER_ALLOW_PRIVATE_NETWORKS };
  const dispatchers = {
    bulk: createGuardedAgent({ policy, connections: config.COURIER_HTTP_CONNECTIONS }),
    forced: createGuardedAgent({ policy, connections: config.COURIER_FORCED_CONCURRENCY }),
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
  let worker: Worker | undefined;
  const stopObserving = await startObserving(config, db.pool, metrics, async () => [
    ...(worker?.getState() === 'RUNNING' ? [] : ['worker not polling']),
    ...(await unreachableDependencies({ pool: db.pool, temporal: client }, HEALTH_TIMEOUT_MS)),
  ]);
  try {
    const source = await workflowSource();
    await liveWorkers.ready;
    await runUntilStopped(async () => {
      const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
      try {
        worker = await Worker.create({
          connection,
          namespace: config.TEMPORAL_NAMESPACE,
          taskQueue: config.COURIER_TASK_QUEUE,
          identity,
          ...source,
          activities,
          maxConcurrentActivityTaskExecutions: config.COURIER_MAX_CONCURRENT_ACTIVITIES,
          maxConcurrentWorkflowTaskExecutions: config.COURIER_MAX_CONCURRENT_WORKFLOW_TASKS,
          // Forced refreshes: local activities with slots of their own (src/workflows/activities.ts).
          maxConcurrentLocalActivityExecutions: config.COURIER_FORCED_CONCURRENCY,
          shutdownGraceTime: '10 seconds',
        });
        const running = worker.run();
        const polling = () => worker?.getState() === 'RUNNING';
        metrics.workerUp.set(1);
        console.log(`courier worker polling task queue '${config.COURIER_TASK_QUEUE}' on ${config.TEMPORAL_ADDRESS}`);
        void keepNotifierStarted(client, config, polling);
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
    await Promise.all([dispatchers.bulk.close(), dispatchers.forced.close(), notificationDispatcher.close()]);
    await db.close();
  }
}

const HEALTH_TIMEOUT_MS = 2000;
const LIVE_WORKERS_EVERY_MS = 5000;

/**
 * Runs the worker until a shutdown signal, starting it again with backoff whenever it fails: a
 * Temporal server away at start or for longer than the SDK's own retries makes `connect` or
 * `run` reject, and a deployment's Temporal comes back. Temporal's runtime turns SIGINT/SIGTERM
 * into a graceful shutdown of a running worker (`run` resolves); a signal while waiting ends the wait.
 */
async function runUntilStopped(runOnce: () => Promise<void>): Promise<void> {
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
      console.error(`courier worker stopped: ${(err as Error).message}; starting again in ${delay / 1000} s`);
      await sleep(delay, undefined, { signal: wake.signal }).catch(() => undefined);
    }
  }
}

/**
 * Every worker makes sure its task queue's notifier runs; the first start wins, later ones find
 * it. Retried while the worker runs: Temporal may be away just now.
 */
async function keepNotifierStarted(client: Client, config: Config, running: () => boolean): Promise<void> {
  const options = notifierStartOptions({ everySeconds: config.COURIER_NOTIFY_EVERY_SECONDS }, config.COURIER_TASK_QUEUE);
  const backoff = new Backoff();
  while (running()) {
    try {
      await client.workflow.start(NOTIFIER_WORKFLOW_TYPE, { ...options, workflowIdConflictPolicy: 'USE_EXISTING' });
      return;
    } catch (err) {
      const delay = backoff.next(0);
      console.error(`notifier not started: ${(err as Error).message}; trying again in ${delay / 1000} s`);
      await sleep(delay);
    }
  }
}

/**
 * /metrics and /healthz (503 naming what is wrong: the worker not polling, the database or
 * Temporal not answering), and the node gauges. Every worker may run the collector: each reports the
 * same fleet-wide picture and the alerts aggregate across workers with max/min. At millions of
 * nodes, COURIER_NODE_GAUGE_SECONDS=0 on all workers but one or two saves the database that scan.
 */
async function startObserving(
  config: Config,
  pool: Pool,
  metrics: WorkerMetrics,
  unhealthy: () => Promise<string[]>,
): Promise<() => Promise<void>> {
  if (config.COURIER_WORKER_METRICS_PORT === 0) return async () => {};
  const server = await startMetricsServer({
    registry: metrics.registry,
    host: config.COURIER_WORKER_METRICS_HOST,
    port: config.COURIER_WORKER_METRICS_PORT,
    unhealthy,
  });
  console.log(`courier worker metrics on ${server.url}/metrics`);
  const collector =
    config.COURIER_NODE_GAUGE_SECONDS > 0
      ? startNodeGaugeCollector({
          pool,
          gauges: createNodeGauges(metrics.registry),
          everyMs: config.COURIER_NODE_GAUGE_SECONDS * 1000,
          onError: (err) => console.error(`node gauges not collected: ${(err as Error).message}`),
        })
      : undefined;
  return async () => {
    collector?.stop();
    await server.close();
  };
}

/**
 * A prebuilt bundle (COURIER_WORKFLOW_BUNDLE) saves the few seconds of bundling at each start;
 * otherwise the workflows are bundled once, not again at each restart of the worker.
 */
async function workflowSource(): Promise<{ workflowBundle: { codePath: string } | { code: string } }> {
  const codePath = process.env.COURIER_WORKFLOW_BUNDLE;
  if (codePath) return { workflowBundle: { codePath } };
  return { workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows') }) };
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
