/**
 * The ceiling, as a process of its own: a bare loop doing the HTTP work of a delivery with a
 * bounded number in flight, no orchestration, no database. Config: env BENCH_CEILING (JSON).
 * Emits `measuring` when the warm-up ends and `result` at the end of the measured window.
 *
 * mode `full`: every delivery GETs the metadata, signs, POSTs, checks the ack.
 * mode `pushOnly`: the metadata is fetched once per `batch` deliveries, as Courier does in shared
 * mode (Contract 3 allows one fetch per batch when the body is the same for every node).
 */
import { BareDelivery, type DeliveryTarget, type Metadata } from './delivery';
import { emit } from './processes';

interface CeilingConfig {
  target: DeliveryTarget;
  mode: 'full' | 'pushOnly';
  lanes: number;
  warmupSeconds: number;
  seconds: number;
  nodes: number;
  batch: number;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_CEILING ?? '{}') as CeilingConfig;
  const delivery = new BareDelivery(config.target);
  let next = 0;
  let acked = 0;
  let failed = 0;
  let firstError = '';
  let shared: { metadata: Metadata; uses: number } | undefined;
  const metadata = async (): Promise<Metadata | undefined> => {
    if (config.mode === 'full') return undefined;
    if (!shared || shared.uses >= config.batch) shared = { metadata: await delivery.fetchMetadata(), uses: 0 };
    shared.uses += 1;
    return shared.metadata;
  };

  const warmEnd = Date.now() + config.warmupSeconds * 1000;
  const end = warmEnd + config.seconds * 1000;
  let measuring = false;
  let measuredFrom = 0;
  const lane = async () => {
    while (Date.now() < end) {
      const node = `c${next++ % config.nodes}`;
      try {
        await delivery.deliver(node, await metadata());
        if (measuring) acked += 1;
      } catch (err) {
        if (measuring) failed += 1;
        firstError ||= (err as Error).message;
      }
      if (!measuring && Date.now() >= warmEnd) {
        measuring = true;
        measuredFrom = Date.now();
        emit('measuring');
      }
    }
  };
  await Promise.all(Array.from({ length: config.lanes }, lane));
  const seconds = (Date.now() - measuredFrom) / 1000;
  emit('result', { acked, failed, seconds, firstError });
  await delivery.close();
  process.exit(0);
}

process.stdin.on('end', () => process.exit(1));
process.stdin.resume();
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
