/**
 * The job queue's worker, as a process of its own: a BullMQ Worker whose processor delivers one
 * node per job, `lanes` jobs at once. Config: env BENCH_QUEUE (JSON).
 */
import { Worker } from 'bullmq';
import { BareDelivery, type DeliveryTarget } from './delivery';
import { emit } from './processes';

interface QueueConfig {
  redisPort: number;
  queue: string;
  lanes: number;
  target: DeliveryTarget;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_QUEUE ?? '{}') as QueueConfig;
  const delivery = new BareDelivery(config.target);
  const worker = new Worker<{ node: string }>(config.queue, (job) => delivery.deliver(job.data.node), {
    connection: { host: '127.0.0.1', port: config.redisPort, maxRetriesPerRequest: null },
    concurrency: config.lanes,
  });
  worker.on('error', (err) => console.error(err));
  await worker.waitUntilReady();
  const stop = async () => {
    await worker.close();
    await delivery.close();
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.once('SIGTERM', () => void stop());
  process.stdin.resume();
  emit('ready');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
