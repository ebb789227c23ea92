/** The table on the terminal and the JSON file in bench-results/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { RESULTS_DIR } from './context';
import type { Row } from './result';

const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const ms = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : n >= 10_000 ? `${fmt(n / 1000, 1)} s` : `${fmt(n)} ms`);

export function withRatios(rows: Row[]): Row[] {
  const ceiling = rows.find((r) => r.name === 'ceiling' && !r.skipped);
  return rows.map((r) => ({ ...r, ratio: ceiling && !r.skipped && ceiling.perSecond > 0 ? r.perSecond / ceiling.perSecond : undefined }));
}

export function table(rows: Row[]): string {
  const header = ['row', 'deliveries', 'acked/s', 'x ceiling', 'CPU s/1k', 'lateness p50', 'p99', 'expired node-s', 'sim cores', 'other cores'];
  const lines = rows.map((r) =>
    r.skipped
      ? [r.name, `skipped: ${r.skipped}`, '', '', '', '', '', '', '', '']
      : [
          r.name,
          fmt(r.deliveries),
          fmt(r.perSecond),
          r.ratio === undefined ? '—' : `${fmt(r.ratio, 2)}`,
          fmt(r.cpuPer1k, 2),
          ms(r.lateness?.p50),
          ms(r.lateness?.p99),
          r.expiredNodeSeconds === undefined ? '—' : fmt(r.expiredNodeSeconds, 1),
          r.cpu ? fmt(r.cpu.simulatorsTotal / r.cpu.seconds, 2) : '—',
          r.cpu ? fmt(r.cpu.otherTotal / r.cpu.seconds, 2) : '—',
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 || c.startsWith('skipped') ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [render(header), `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...lines.map(render)].join('\n');
}

export function machine(): Record<string, unknown> {
  const cpu = cpus();
  return { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform };
}

export function writeResults(result: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
