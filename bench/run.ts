/**
 * `npm run bench`: Courier side by side with the ceiling and its peers, on a local stack of its
 * own. `npm run bench -- --help` for the flags; docs/performance.md for what it measures and why.
 */
import { relative } from 'node:path';
import { runCeiling } from './ceiling';
import { LOG_DIR, progress, startBench, type Bench } from './context';
import { runCourier } from './courier';
import { runFairness } from './fairness';
import { runJobQueue } from './job-queue';
import { runMappingLoad } from './mapping';
import { runMillion } from './million';
import { runNaiveTemporal } from './naive-temporal';
import { runServices } from './services';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './options';
import { ROOT } from './processes';
import { machine, table, withRatios, writeResults } from './report';
import { skippedRow, type Row } from './result';

async function main(options: BenchOptions): Promise<void> {
  const startedAt = new Date();
  const started: { bench?: Bench } = {};
  const stopping = async (signal: string) => {
    progress(`${signal}: stopping everything`);
    await started.bench?.stop().catch(() => undefined);
    process.exit(1);
  };
  process.once('SIGINT', () => void stopping('SIGINT'));
  process.once('SIGTERM', () => void stopping('SIGTERM'));

  const bench = await startBench(options);
  started.bench = bench;
  const rows: Row[] = [];
  const extra: Record<string, unknown> = {};
  const attempt = async (name: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (err) {
      progress(`${name} FAILED: ${(err as Error).message}`);
      rows.push(skippedRow(name, `failed: ${(err as Error).message.split('\n')[0]}`));
    }
  };
  try {
    const { parts } = options;
    if (parts.has('ceiling')) {
      await attempt('ceiling', async () => void rows.push(await runCeiling(bench, 'full')));
      await attempt('ceiling, push only', async () => void rows.push(await runCeiling(bench, 'pushOnly')));
    }
    if (parts.has('naive')) await attempt('naive Temporal', async () => void rows.push(await runNaiveTemporal(bench)));
    if (parts.has('queue')) await attempt('job queue', async () => void rows.push(await runJobQueue(bench)));
    if (parts.has('courier')) {
      await attempt('Courier', async () => {
        const courier = await runCourier(bench);
        rows.push(...courier.rows);
        Object.assign(extra, courier.extra);
      });
    }
    if (parts.has('mapping')) await attempt('mapping load', async () => void (extra.mappingLoad = await runMappingLoad(bench)));
    if (parts.has('fairness')) await attempt('fairness', async () => void (extra.fairness = await runFairness(bench)));
    if (parts.has('services')) await attempt('services', async () => void (extra.services = await runServices(bench)));
    if (parts.has('million')) await attempt('million', async () => void (extra.million = await runMillion(bench)));
  } finally {
    progress('stopping the stack');
    await bench.stop();
  }

  const finished = withRatios(rows);
  const file = writeResults({ startedAt, finishedAt: new Date(), machine: machine(), options: { ...options, parts: [...options.parts] }, rows: finished, ...extra });
  console.log(`\n${table(finished)}\n`);
  printExtra(extra);
  console.log(`\nresults: ${relative(ROOT, file)}; process logs: ${relative(ROOT, LOG_DIR)}`);
}

function printExtra(extra: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(extra)) {
    if (typeof value === 'object' && value !== null && 'summary' in value) console.log(`${key}: ${(value as { summary: string }).summary}`);
  }
}

let options: BenchOptions | 'help';
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`bench: ${err.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options === 'help') {
  console.log(USAGE);
  process.exit(0);
}
main(options).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`\nbench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
