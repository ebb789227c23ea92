import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { prettyFactory } from 'pino-pretty';

/** Where the stack's own progress and its processes' output lines go. */
export interface Output {
  /** A line printed by a supervised process. */
  process(name: string, line: string): void;
  /** A progress line of the stack itself. */
  info(line: string): void;
}

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93];
const PREFIX_WIDTH = 8;

/**
 * A pino JSON line as one readable line (time, level, message, then the other fields); any
 * other line as it is. The processes always log JSON, as in production: only the terminal of
 * `npm run dev` shows them this way.
 */
export function readableLine(colorize: boolean): (line: string) => string {
  const pretty = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', singleLine: true });
  return (line) => {
    if (!line.startsWith('{"level":')) return line;
    try {
      return pretty(line).trimEnd();
    } catch {
      return line;
    }
  };
}

/** Everything on the terminal, each process's lines prefixed with its name (coloured on a TTY), log lines readable. */
export function consoleOutput(stream: NodeJS.WriteStream = process.stdout): Output {
  const readable = readableLine(stream.isTTY === true);
  const colorOf = new Map<string, number>();
  const prefix = (name: string): string => {
    const label = name.padEnd(PREFIX_WIDTH);
    if (!stream.isTTY) return `${label}| `;
    if (!colorOf.has(name)) colorOf.set(name, COLORS[colorOf.size % COLORS.length] ?? 36);
    return `\x1b[${colorOf.get(name)}m${label}|\x1b[0m `;
  };
  return {
    process: (name, line) => stream.write(`${prefix(name)}${readable(line)}\n`),
    info: (line) => stream.write(`${prefix('stack')}${line}\n`),
  };
}

/**
 * Process output to `<dir>/<name>.log`, progress to the terminal: test runs stay readable, and
 * the logs are there to read when something fails.
 */
export function fileOutput(dir: string, info: (line: string) => void = (l) => console.log(l)): Output {
  mkdirSync(dir, { recursive: true });
  const files = new Map<string, WriteStream>();
  const fileOf = (name: string): WriteStream => {
    let file = files.get(name);
    if (!file) {
      file = createWriteStream(join(dir, `${name}.log`), { flags: 'a' });
      files.set(name, file);
    }
    return file;
  };
  return {
    process: (name, line) => fileOf(name).write(`${line}\n`),
    info,
  };
}
