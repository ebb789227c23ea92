/**
 * The mapping parser alone: `parseMapping` of a Courier source tree (src/ or a checkout's) over
 * a generated mapping held in memory, fed in the parser thread's 8 KiB pieces, every row walked;
 * no S3, no thread, no database. It prints the CPU time per 100,000 rows, which is what a change
 * to src/domain/mapping/ moves (a whole load's seconds are mostly PostgreSQL's, §3 of
 * docs/performance.md).
 *
 *   npx tsx bench/micro-parse.ts [--rows 300000] [--formats csv,ndjson,lines,json] [--reps 3] <label>=<src dir> ...
 *   npx tsx bench/micro-parse.ts base=/tmp/checkout/src variant=src
 *
 * Each tree and format runs in a process of its own, the trees alternating, `reps` times; each
 * process parses the object 3 times and reports its fastest, past the JIT's warm-up.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { FORMATS, mappingChunks, type Format } from './generated-mapping';

const PIECE_BYTES = 8 * 1024;
const PASSES = 3;

interface ParserModule {
  /** Arrays of events since 2026-12-03, one event at a time before: a tree of either age is measured. */
  parseMapping(source: AsyncIterable<Uint8Array>, options: { format: Format; serviceName: string }): AsyncIterable<{ kind: string } | { kind: string }[]>;
}

async function* pieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += PIECE_BYTES) yield bytes.subarray(at, at + PIECE_BYTES);
}

/** In the child: the fastest of PASSES parses, in CPU milliseconds, and the rows each found. */
async function measure(srcDir: string, format: Format, rows: number): Promise<{ cpuMs: number; rows: number }> {
  const { parseMapping } = (await import(resolve(srcDir, 'domain/mapping/index.ts'))) as ParserModule;
  const bytes = new Uint8Array(Buffer.concat([...mappingChunks(format, rows, 0)]));
  let best = Infinity;
  let found = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const began = process.cpuUsage();
    found = 0;
    for await (const yielded of parseMapping(pieces(bytes), { format, serviceName: 'bench' })) {
      for (const event of Array.isArray(yielded) ? yielded : [yielded]) if (event.kind === 'row') found++;
    }
    const used = process.cpuUsage(began);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return { cpuMs: best, rows: found };
}

function usage(why: string): never {
  console.error(`${why}\nusage: npx tsx bench/micro-parse.ts [--rows N] [--formats csv,ndjson,lines,json] [--reps N] <label>=<src dir> ...`);
  process.exit(2);
}

function main(): void {
  const args = process.argv.slice(2);
  let rows = 300_000;
  let formats: readonly Format[] = FORMATS;
  let reps = 3;
  const trees: { label: string; dir: string }[] = [];
  while (args.length > 0) {
    const a = args.shift()!;
    if (a === '--rows') rows = Number(args.shift());
    else if (a === '--reps') reps = Number(args.shift());
    else if (a === '--formats') formats = (args.shift() ?? '').split(',') as Format[];
    else if (a.includes('=')) trees.push({ label: a.slice(0, a.indexOf('=')), dir: resolve(a.slice(a.indexOf('=') + 1)) });
    else usage(`unknown argument '${a}'`);
  }
  if (!Number.isInteger(rows) || rows < 1) usage('--rows takes a positive whole number');
  if (!Number.isInteger(reps) || reps < 1) usage('--reps takes a positive whole number');
  const unknown = formats.filter((f) => !FORMATS.includes(f));
  if (unknown.length > 0) usage(`unknown format(s) ${unknown.join(', ')}: formats are ${FORMATS.join(', ')}`);
  if (trees.length === 0) usage('name at least one source tree, e.g. base=src');

  const results = new Map<string, number[]>();
  for (let rep = 1; rep <= reps; rep++) {
    for (const format of formats) {
      for (const tree of trees) {
        const child = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', tree.dir, format, String(rows)], { encoding: 'utf8' });
        if (child.status !== 0) throw new Error(`${tree.label} ${format}: the child failed:\n${child.stderr}`);
        const measured = JSON.parse(child.stdout) as { cpuMs: number; rows: number };
        if (measured.rows !== rows) throw new Error(`${tree.label} ${format}: parsed ${measured.rows} rows of ${rows}`);
        const per100k = (measured.cpuMs * 100_000) / rows;
        const key = `${format} ${tree.label}`;
        results.set(key, [...(results.get(key) ?? []), per100k]);
        console.log(`rep ${rep}: ${key.padEnd(24)} ${per100k.toFixed(0).padStart(5)} CPU ms per 100,000 rows`);
      }
    }
  }
  console.log(`\nmedian of ${reps}, CPU ms per 100,000 rows (${rows.toLocaleString('en')} rows, fastest of ${PASSES} parses per process):`);
  for (const [key, values] of results) {
    const sorted = [...values].sort((x, y) => x - y);
    console.log(`  ${key.padEnd(24)} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0).padStart(5)}`);
  }
}

if (process.argv[2] === '--child') {
  const [, , , srcDir, format, rows] = process.argv;
  measure(srcDir!, format as Format, Number(rows)).then(
    (m) => console.log(JSON.stringify(m)),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
} else {
  main();
}
