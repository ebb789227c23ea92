/**
 * The naive Temporal worker, as a process of its own: the naive workflow and its per-node
 * activity on task queue `bench-naive`, `lanes` activities at once. Config: env BENCH_NAIVE (JSON).
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { BareDelivery, type DeliveryTarget } from '../delivery';
import { emit } from '../processes';
import { createNaiveActivities } from './activities';

interface NaiveConfig {
  temporalAddress: string;
  taskQueue: string;
  lanes: number;
  target: DeliveryTarget;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_NAIVE ?? '{}') as NaiveConfig;
  const delivery = new BareDelivery(config.target);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const worker = await Worker.create({
    connection,
    taskQueue: config.taskQueue,
    workflowsPath: require.resolve('./workflows'),
    activities: createNaiveActivities(delivery),
    maxConcurrentActivityTaskExecutions: config.lanes,
  });
  process.stdin.on('end', () => worker.shutdown());
  process.stdin.resume();
  emit('ready');
  await worker.run();
  await connection.close();
  await delivery.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
