/**
 * The worker: runs every workflow and activity of Courier on one task queue. Temporal's runtime
 * turns SIGINT/SIGTERM into a graceful shutdown: no new tasks are taken, in-flight activities get
 * the grace period, and whatever is cut off is retried elsewhere from the progress in PostgreSQL.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { createGuardedAgent } from './activities/http/guarded-agent';
import { createS3Client } from './activities/s3';
import { ConfigError, loadConfig } from './config';
import { connectDatabase } from './db';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = connectDatabase(config.DATABASE_URL, config.COURIER_MAX_CONCURRENT_ACTIVITIES + config.COURIER_FORCED_CONCURRENCY + 4);
  const policy = { allowPrivateNetworks: config.COURIER_ALLOW_PRIVATE_NETWORKS };
  const dispatchers = {
    bulk: createGuardedAgent({ policy, connections: config.COURIER_HTTP_CONNECTIONS }),
    forced: createGuardedAgent({ policy, connections: config.COURIER_FORCED_CONCURRENCY }),
  };
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.COURIER_TASK_QUEUE,
      ...workflowSource(),
      activities: createActivities({
        db,
        s3: createS3Client(config),
        temporal: new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }),
        dispatchers,
        config,
      }),
      maxConcurrentActivityTaskExecutions: config.COURIER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: config.COURIER_MAX_CONCURRENT_WORKFLOW_TASKS,
      // Forced refreshes: local activities with slots of their own (src/workflows/activities.ts).
      maxConcurrentLocalActivityExecutions: config.COURIER_FORCED_CONCURRENCY,
      shutdownGraceTime: '10 seconds',
    });
    console.log(`courier worker polling task queue '${config.COURIER_TASK_QUEUE}' on ${config.TEMPORAL_ADDRESS}`);
    await worker.run();
  } finally {
    await connection.close();
    await clientConnection.close();
    await Promise.all([dispatchers.bulk.close(), dispatchers.forced.close()]);
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
