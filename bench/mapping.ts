/**
 * The mapping-load figure: time and peak RSS to load an N-node mapping in each format (CSV,
 * NDJSON, lines, JSON array) from MinIO into the node table, then to reload it with 1% of the
 * nodes replaced. It reuses scripts/bench-mapping.ts, one process per format (so one format's
 * peak RSS does not hide another's), against the bench's stack.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_DIR, progress, type Bench } from './context';
import { ROOT, startChild } from './processes';
import { WORKER_MEMORY_ENV, WORKER_NODE_FLAGS } from '../src/stack/worker-memory';

const SCRIPT = 'scripts/bench-mapping.ts';
const TARGET_SECONDS = 20;
const TARGET_RELOAD_SECONDS = 10;
const TARGET_RSS_MB = 256;
/**
 * A format whose loads take longer than this per million rows (at least a million) is stopped and
 * reported as such: the bench stays bounded in time.
 */
const CAP_MS_PER_MILLION = 180_000;

interface Measurement {
  scenario: string;
  objectMb: number;
  seconds: number;
  stageSeconds: number;
  peakRssMb: number;
  baseRssMb: number;
  result: Record<string, unknown>;
}

export interface MappingLoad {
  rows: number;
  loads: (Measurement & { withinTargets: boolean })[];
  /** Formats whose load did not finish within the cap. */
  capped: string[];
  summary: string;
}

export async function runMappingLoad(bench: Bench): Promise<MappingLoad> {
  const rows = bench.options.mappingRows;
  if (!existsSync(join(ROOT, SCRIPT))) throw new Error(`${SCRIPT} is missing`);
  const capMs = CAP_MS_PER_MILLION * Math.max(1, rows / 1_000_000);
  const loads: MappingLoad['loads'] = [];
  const capped: string[] = [];
  for (const format of bench.options.mappingFormats) {
    progress(`mapping load: ${rows.toLocaleString('en')} nodes, ${format}, from MinIO into PostgreSQL (${SCRIPT})`);
    const child = startChild({
      name: `mapping-${format}`,
      script: SCRIPT,
      args: ['--scenario', format, String(rows)],
      // loadMapping runs in the worker: measured with the worker's memory environment and flags.
      nodeFlags: [...WORKER_NODE_FLAGS],
      env: { ...process.env, ...bench.env, ...WORKER_MEMORY_ENV, COURIER_LOG_LEVEL: 'warn' },
      logDir: LOG_DIR,
    });
    const lines: string[] = [];
    child.child.stdout?.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), capMs)));
    const outcome = await Promise.race([child.exited, late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      progress(`mapping load: ${format} did not finish within ${capMs / 1000} s: stopped`);
      capped.push(format);
      await child.stop(5_000);
    }
    const exit = await child.exited;
    if (outcome !== 'late' && exit.code !== 0) throw new Error(`${SCRIPT} --scenario ${format} exited ${exit.signal ?? exit.code}:\n${child.tail()}`);
    for (const line of lines.join('').split('\n').filter((l) => l.startsWith('{'))) {
      const m = JSON.parse(line) as Measurement;
      const targetSeconds = m.scenario.endsWith('replaced') ? TARGET_RELOAD_SECONDS : TARGET_SECONDS;
      const withinTargets = m.seconds <= targetSeconds && m.peakRssMb <= TARGET_RSS_MB;
      loads.push({ ...m, withinTargets });
      progress(`mapping load: ${m.scenario}: ${m.seconds.toFixed(1)} s, peak RSS ${m.peakRssMb} MB (${m.objectMb} MB object)${withinTargets ? '' : ' OVER TARGET'}`);
    }
  }
  const summary = [
    ...loads.map((l) => `${l.scenario} ${l.seconds.toFixed(1)} s / ${l.peakRssMb} MB peak RSS`),
    ...capped.map((f) => `${f}: over ${capMs / 1000} s (stopped)`),
  ].join('; ');
  return { rows, loads, capped, summary: `${rows.toLocaleString('en')} nodes (targets <= ${TARGET_SECONDS} s, a 1% reload <= ${TARGET_RELOAD_SECONDS} s, <= ${TARGET_RSS_MB} MB): ${summary}` };
}
