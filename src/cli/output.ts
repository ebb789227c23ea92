/** Human output is aligned text; `--json` output is one JSON document per line, for scripts. */
import type { Problem } from './client';

interface Stream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: Stream;
  stderr: Stream;
}

export class Output {
  constructor(
    readonly io: Io,
    readonly json: boolean,
  ) {}

  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  jsonLine(value: unknown): void {
    this.line(JSON.stringify(value));
  }

  /** Messages for the person, never for a pipe: they go to stderr even with --json. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** The answer as JSON with --json; otherwise what `human` prints. */
  result<T>(value: T, human: (value: T) => void): void {
    if (this.json) this.jsonLine(value);
    else human(value);
  }

  table(headers: string[], rows: string[][]): void {
    for (const line of alignRows([headers, ...rows])) this.line(line);
  }

  fields(pairs: [string, string][]): void {
    for (const line of alignRows(pairs.map(([k, v]) => [`${k}:`, v]))) this.line(line);
  }
}

export function alignRows(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

export const orDash = (value: string | number | null | undefined): string => (value === null || value === undefined || value === '' ? '-' : String(value));

/** `in 45 s`, `3 min ago`: how far a timestamp is from now, in the largest fitting unit. */
export function relative(iso: string | null, now: number): string {
  if (iso === null) return '-';
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms) / 1000;
  const amount = abs < 90 ? `${Math.round(abs)} s` : abs < 5400 ? `${Math.round(abs / 60)} min` : `${Math.round(abs / 3600)} h`;
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
}

export function progressBar(done: number, total: number, width = 30): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}

/**
 * A problem as lines for stderr: its title and detail, then one line per field, each named by
 * `fieldName` (a command maps body paths back to its flags).
 */
export function problemLines(status: number, problem: Problem | undefined, fieldName: (location: string, path: string) => string): string[] {
  if (!problem) return [`courier: the API answered HTTP ${status} without a problem description`];
  const lines = [`courier: ${problem.title}: ${problem.detail}`];
  for (const error of problem.errors ?? []) lines.push(`  ${fieldName(error.in, error.path)}: ${error.message}`);
  if (status === 401) lines.push('  (pass the key with --key or COURIER_API_KEY)');
  return lines;
}
