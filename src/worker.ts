/**
 * The worker: runs every workflow and activity of Courier on one task queue. Temporal's runtime
 * turns SIGINT/SIGTERM into a graceful shutdown: no new tasks are taken, in-flight activities get
 * the grace period, and whatever is cut off is retried elsewhere from the progress in PostgreSQL.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createTransport } from 'nodemailer';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { createActivities } from './activities';
import { createGuardedAgent } from './activities/http/guarded-agent';
import { createS3Client } from './activities/s3';
import type { Config } from './config';
import { connectDatabase } from './db';
import { FLEET_WORKFLOW_TYPE, fleetStartOptions } from './workflows/fleet/definitions';
import { NOTIFIER_WORKFLOW_TYPE, notifierStartOptions } from './workflows/notifier/definitions';
import { runMain } from './observability/logger';
import { startMetricsServer } from './observability/metrics-server';
import { createNodeGauges, startNodeGaugeCollector } from './observability/node-gauges';
import { installTemporalRuntime, type TemporalRuntime } from './observability/temporal-runtime';
import { createWorkerMetrics, type WorkerMetrics } from './observability/worker-metrics';

async function main(config: Config, logger: Logger): Promise<void> {
  // The SDK's metrics join the worker's /metrics, so they are on only where that is.
  const runtime = await installTemporalRuntime(logger, config.COURIER_WORKER_METRICS_PORT === 0 ? null : 0);
  const db = connectDatabase(config.DATABASE_URL, config.COURIER_MAX_CONCURRENT_ACTIVITIES + config.COURIER_FORCED_CONCURRENCY + 4);
  const policy = { allowPrivateNetworks: config.COURIER_ALLOW_PRIVATE_NETWORKS };
  const dispatchers = {
    bulk: createGuardedAgent({ policy, connections: config.COURIER_HTTP_CONNECTIONS }),
    forced: createGuardedAgent({ policy, connections: config.COURIER_FORCED_CONCURRENCY }),
  };
  const notificationDispatcher = createGuardedAgent({ policy, connections: 8 });
  const mailer = config.COURIER_SMTP_URL ? createTransport(config.COURIER_SMTP_URL) : null;
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const metrics = createWorkerMetrics();
  let stopObserving = async () => {};
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.COURIER_TASK_QUEUE,
      ...workflowSource(config, logger),
      activities: createActivities({
        db,
        s3: createS3Client(config),
        temporal: client,
        dispatchers,
        notificationDispatcher,
        mailer,
        config,
        metrics,
      }),
      maxCachedWorkflows: config.COURIER_WORKFLOW_CACHE_SIZE,
      maxConcurrentActivityTaskExecutions: config.COURIER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: config.COURIER_MAX_CONCURRENT_WORKFLOW_TASKS,
      // Forced refreshes: local activities with slots of their own (src/workflows/activities.ts).
      maxConcurrentLocalActivityExecutions: config.COURIER_FORCED_CONCURRENCY,
      shutdownGraceTime: '10 seconds',
    });
    stopObserving = await startObserving(config, db.pool, metrics, logger, runtime, () => worker.getState() === 'RUNNING');
    await startSingletons(client, config);
    metrics.workerUp.set(1);
    // The line supervisors wait for (tests, the bench, start scripts): at info even when COURIER_LOG_LEVEL is quieter.
    logger
      .child({}, { level: logger.isLevelEnabled('info') ? logger.level : 'info' })
      .info({ taskQueue: config.COURIER_TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS }, `courier worker polling task queue '${config.COURIER_TASK_QUEUE}'`);
    await worker.run();
  } finally {
    metrics.workerUp.set(0);
    await stopObserving();
    await connection.close();
    await clientConnection.close();
    mailer?.close();
    await Promise.all([dispatchers.bulk.close(), dispatchers.forced.close(), notificationDispatcher.close()]);
    await db.close();
  }
}

/**
 * Every worker makes sure its task queue's notifier and fleet workflows run; the first start
 * wins, later ones find them. Their duties claim turns in PostgreSQL, so they run once per
 * deployment however many task queues' fleet workflows tick.
 */
async function startSingletons(client: Client, config: Config): Promise<void> {
  const queue = config.COURIER_TASK_QUEUE;
  const notifier = notifierStartOptions({ everySeconds: config.COURIER_NOTIFY_EVERY_SECONDS }, queue);
  await client.workflow.start(NOTIFIER_WORKFLOW_TYPE, { ...notifier, workflowIdConflictPolicy: 'USE_EXISTING' });
  const fleet = fleetStartOptions({ tickSeconds: config.COURIER_FLEET_TICK_SECONDS }, queue);
  await client.workflow.start(FLEET_WORKFLOW_TYPE, { ...fleet, workflowIdConflictPolicy: 'USE_EXISTING' });
}

/**
 * /metrics (Courier's and the Temporal SDK's) and /healthz, and the node gauges: every worker
 * shows the snapshot the fleet duty computed once for the deployment (one small row), so the
 * alerts aggregate across workers with max/min and no worker scans the fleet.
 */
async function startObserving(
  config: Config,
  pool: Pool,
  metrics: WorkerMetrics,
  log: Logger,
  runtime: TemporalRuntime,
  healthy: () => boolean,
): Promise<() => Promise<void>> {
  if (config.COURIER_WORKER_METRICS_PORT === 0) return async () => {};
  const server = await startMetricsServer({
    registry: metrics.registry,
    host: config.COURIER_WORKER_METRICS_HOST,
    port: config.COURIER_WORKER_METRICS_PORT,
    healthy,
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
 * none, and the worker bundles src/workflows itself.
 */
function workflowSource(config: Config, log: Logger): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  // package.json's build script writes it there.
  const built = join(__dirname, 'workflow-bundle.js');
  const codePath = config.COURIER_WORKFLOW_BUNDLE ?? (existsSync(built) ? built : undefined);
  log.info({ workflowBundle: codePath ?? null }, codePath ? `workflows from the bundle ${codePath}` : 'workflows bundled at start');
  return codePath ? { workflowBundle: { codePath } } : { workflowsPath: require.resolve('./workflows') };
}

runMain('courier-worker', main);
