/**
 * The worker: runs every workflow and activity of Courier on its task queue, and forced
 * refreshes on a lane of their own with their own slots (src/workflows/task-queues.ts).
 * Temporal's runtime
 * turns SIGINT/SIGTERM into a graceful shutdown: no new tasks are taken, in-flight activities get
 * the grace period, and whatever is cut off is retried elsewhere from the progress in PostgreSQL.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Agent } from 'undici';
import { createActivities } from './activities';
import { createS3Client } from './activities/s3';
import { ConfigError, loadConfig } from './config';
import { connectDatabase } from './db';
import { forcedLane } from './workflows/task-queues';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = connectDatabase(config.DATABASE_URL, config.COURIER_MAX_CONCURRENT_ACTIVITIES + config.COURIER_FORCED_CONCURRENCY + 4);
  const dispatcher = new Agent({ connections: config.COURIER_HTTP_CONNECTIONS, keepAliveTimeout: 30_000 });
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const activities = createActivities({
      db,
      s3: createS3Client(config),
      temporal: new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }),
      dispatcher,
      config,
    });
    const common = { connection, namespace: config.TEMPORAL_NAMESPACE, shutdownGraceTime: '10 seconds' } as const;
    const worker = await Worker.create({
      ...common,
      taskQueue: config.COURIER_TASK_QUEUE,
      ...workflowSource(),
      activities,
      maxConcurrentActivityTaskExecutions: config.COURIER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: config.COURIER_MAX_CONCURRENT_WORKFLOW_TASKS,
    });
    const forcedWorker = await Worker.create({
      ...common,
      taskQueue: forcedLane(config.COURIER_TASK_QUEUE),
      activities: { deliverNode: activities.deliverNode },
      maxConcurrentActivityTaskExecutions: config.COURIER_FORCED_CONCURRENCY,
    });
    console.log(`courier worker polling task queue '${config.COURIER_TASK_QUEUE}' on ${config.TEMPORAL_ADDRESS}`);
    await Promise.all([worker.run(), forcedWorker.run()]);
  } finally {
    await connection.close();
    await clientConnection.close();
    await dispatcher.close();
    await db.close();
  }
}

/** A prebuilt bundle (COURIER_WORKFLOW_BUNDLE) saves the few seconds of bundling at each start. */
function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const codePath = process.env.COURIER_WORKFLOW_BUNDLE;
  return codePath ? { workflowBundle: { codePath } } : { workflowsPath: require.resolve('./workflows') };
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
