/**
 * The naive Temporal row: the same deliveries as one activity per node, on the same dev server
 * and fleet. Workflows of `PER_WORKFLOW` nodes each (what a refresh cycle of a shard would be
 * without batching) are all started at once; the row is the acked rate until all complete (or
 * the time cap: then the acks within the cap, and the rest are terminated).
 */
import { Client, Connection } from '@temporalio/client';
import { CpuWindow, FLEET_SECRET, LOG_DIR, progress, sleep, waitForAcks, type Bench } from './context';
import { startChild } from './processes';
import { finishRow, type Row } from './result';

const TASK_QUEUE = 'bench-naive';
const PER_WORKFLOW = 500;
const WARMUP_NODES = 1_000;

export async function runNaiveTemporal(bench: Bench): Promise<Row> {
  const { options, sim, env } = bench;
  const nodes = options.peerNodes;
  progress(`naive Temporal: one activity per node, ${nodes.toLocaleString('en')} nodes in workflows of ${PER_WORKFLOW}, ${options.concurrency} activities at once`);
  await sim.reset();
  const worker = startChild({
    name: 'naive-worker',
    script: 'bench/naive/worker.ts',
    env: {
      ...process.env,
      BENCH_NAIVE: JSON.stringify({
        temporalAddress: env.TEMPORAL_ADDRESS,
        taskQueue: TASK_QUEUE,
        lanes: options.concurrency,
        target: { fleetUrl: sim.fleetUrl, sourceUrl: sim.sourceUrl, secret: FLEET_SECRET, service: 'bench-naive', ttlSeconds: 3600, connections: options.concurrency },
      }),
    },
    logDir: LOG_DIR,
  });
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  const run = Date.now().toString(36);
  const handles: Awaited<ReturnType<typeof client.workflow.start>>[] = [];
  const startCycle = async (tag: string, count: number) => {
    const started = [];
    for (let from = 0; from < count; from += PER_WORKFLOW) {
      const slice = Array.from({ length: Math.min(PER_WORKFLOW, count - from) }, (_, i) => `t${from + i}`);
      started.push(
        client.workflow.start('naiveRefreshWorkflow', { taskQueue: TASK_QUEUE, workflowId: `naive-${run}-${tag}-${from}`, args: [{ nodes: slice }] }),
      );
    }
    const list = await Promise.all(started);
    handles.push(...list);
    return list;
  };
  try {
    await worker.waitFor('ready', 120_000);
    progress(`naive Temporal: warm-up with ${WARMUP_NODES.toLocaleString('en')} nodes`);
    await Promise.all((await startCycle('warm', WARMUP_NODES)).map((h) => h.result()));

    const before = await sim.acked();
    const cpu = new CpuWindow(bench.scope({ worker: worker.pid, temporal: bench.servers.temporal }));
    const t0 = Date.now();
    const cycle = await startCycle('cycle', nodes);
    const done = waitForAcks(sim, before + nodes, { timeoutMs: options.peerSeconds * 1000, label: 'naive Temporal' });
    const reached = await done;
    const seconds = (reached.reachedAt - t0) / 1000;
    const row = finishRow({
      name: 'naive Temporal',
      how: `one activity per node, workflows of ${PER_WORKFLOW} nodes, ${options.concurrency} activity slots`,
      deliveries: reached.acked - before,
      seconds,
      cpu: cpu.end(),
      notes: reached.timedOut ? [`time cap of ${options.peerSeconds} s reached: ${(reached.acked - before).toLocaleString('en')} of ${nodes.toLocaleString('en')} delivered`] : [],
    });
    progress(`naive Temporal: ${Math.round(row.perSecond).toLocaleString('en')} deliveries/s${reached.timedOut ? ' (time cap reached)' : ''}`);
    await Promise.allSettled(cycle.map((h) => h.terminate('benchmark over')));
    return row;
  } finally {
    await Promise.allSettled(handles.map((h) => h.terminate('benchmark over')));
    await connection.close();
    await worker.stop();
    // Let the server finish with the terminated workflows before the next row is measured.
    await sleep(5_000);
  }
}
