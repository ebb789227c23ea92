/** The ceiling rows: bare delivery loops in a process of their own (bench/ceiling-loop.ts). */
import { CpuWindow, FLEET_SECRET, LOG_DIR, progress, type Bench } from './context';
import { startChild } from './processes';
import { finishRow, type Row } from './result';

export async function runCeiling(bench: Bench, mode: 'full' | 'pushOnly'): Promise<Row> {
  const { options, sim } = bench;
  const name = mode === 'full' ? 'ceiling' : 'ceiling, push only';
  progress(`${name}: ${options.concurrency} in flight, ${options.ceilingSeconds} s after 3 s of warm-up`);
  await sim.reset();
  const child = startChild({
    name: `ceiling-${mode}`,
    script: 'bench/ceiling-loop.ts',
    env: {
      ...process.env,
      BENCH_CEILING: JSON.stringify({
        target: {
          fleetUrl: sim.fleetUrl,
          sourceUrl: sim.sourceUrl,
          secret: FLEET_SECRET,
          service: `bench-ceiling-${mode}`,
          ttlSeconds: 3600,
          connections: options.concurrency,
        },
        mode,
        lanes: options.concurrency,
        warmupSeconds: 3,
        seconds: options.ceilingSeconds,
        nodes: 10_000,
        batch: 500,
      }),
    },
    logDir: LOG_DIR,
  });
  try {
    await child.waitFor('measuring', 30_000);
    const cpu = new CpuWindow(bench.scope({ ceiling: child.pid }));
    const result = await child.waitFor('result', (options.ceilingSeconds + 30) * 1000);
    const row = finishRow({
      name,
      how:
        mode === 'full'
          ? 'bare loop: GET metadata, sign, POST, check ack, per delivery'
          : 'bare loop, metadata fetched once per 500 deliveries',
      deliveries: result.acked as number,
      seconds: result.seconds as number,
      cpu: cpu.end(),
      failed: result.failed as number,
      notes: result.firstError ? [`first error: ${String(result.firstError)}`] : [],
    });
    progress(`${name}: ${Math.round(row.perSecond).toLocaleString('en')} deliveries/s`);
    return row;
  } finally {
    await child.stop();
  }
}
