/**
 * Fairness between customers on one task queue (seed 002): one customer's big service fills the
 * worker's activity slots, then another customer registers a one-node service. Without fairness
 * its mapping load and its single delivery wait behind every queued task of the big one; with a
 * fairness key per customer (src/workflows/activities.ts) Temporal dispatches them next. The
 * figure is the small service's time from registration to its node's first ack.
 *
 * To compare, run it on a copy of src/ whose delivery activities carry no priority:
 * `npm run bench -- --only fairness --worker-script .scratch/nofair/src/worker.ts`.
 */
import { progress, sleep, type Bench } from './context';
import { CourierRig } from './courier-rig';

/** Few slots, so the big service's tasks queue up on the server, where dispatch order matters. */
const ACTIVITY_SLOTS = '2';
const BIG_NODES = 60_000;

export interface FairnessFigure {
  bigNodes: number;
  activitySlots: number;
  smallFirstAckMs: number;
  bigAckedMeanwhile: number;
  summary: string;
}

export async function runFairness(bench: Bench): Promise<FairnessFigure> {
  const workerEnv = { COURIER_MAX_CONCURRENT_ACTIVITIES: ACTIVITY_SLOTS, ...bench.options.workerEnv };
  const rig = new CourierRig({ ...bench, options: { ...bench.options, workerEnv } });
  await rig.start();
  try {
    await bench.sim.reset();
    progress(`fairness: a service of ${BIG_NODES.toLocaleString('en')} nodes fills ${ACTIVITY_SLOTS} activity slots`);
    await rig.addServices(1, BIG_NODES);
    while ((await bench.sim.acked()) < 1_000) await sleep(100);
    const ackedBefore = await bench.sim.acked();
    const smallKey = await rig.addCustomer('small');
    const registeredAt = Date.now();
    const [small] = await rig.addServices(1, 1, smallKey);
    if (!small) throw new Error('the small service was not registered');
    for (;;) {
      const status = await rig.call('GET', `/v1/services/${small.id}`, undefined, smallKey);
      if ((status.nodes as { fresh: number }).fresh >= 1) break;
      if (Date.now() - registeredAt > 300_000) throw new Error('the small service got no ack within 5 minutes');
      await sleep(50);
    }
    const smallFirstAckMs = Date.now() - registeredAt;
    const bigAckedMeanwhile = (await bench.sim.acked()) - ackedBefore - 1;
    const summary =
      `one-node service registered behind a ${BIG_NODES.toLocaleString('en')}-node backlog: first ack after ` +
      `${(smallFirstAckMs / 1000).toFixed(1)} s, while ${bigAckedMeanwhile.toLocaleString('en')} big-service deliveries acked` +
      ` (worker ${bench.options.workerScript}, ${ACTIVITY_SLOTS} activity slots)`;
    progress(`fairness: ${summary}`);
    return { bigNodes: BIG_NODES, activitySlots: Number(ACTIVITY_SLOTS), smallFirstAckMs, bigAckedMeanwhile, summary };
  } finally {
    await rig.stop();
  }
}
