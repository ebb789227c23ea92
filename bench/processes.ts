/**
 * Child processes of the benchmark: Node scripts run through tsx, each the leader of its own
 * process group (so stopping one stops whatever it started), speaking to the bench through JSON
 * lines on stdout (`{"event": "...", ...}`); anything else they print goes to their log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = join(__dirname, '..');

export interface ChildOptions {
  name: string;
  /** A script path relative to the checkout, run with `node --import tsx`, or any command. */
  script?: string;
  command?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  logDir: string;
}

export type ChildEvent = Record<string, unknown> & { event: string };

export class BenchChild {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: { event: string; resolve: (e: ChildEvent) => void }[] = [];
  private readonly seen: ChildEvent[] = [];
  private readonly recent: string[] = [];
  private readonly log: WriteStream;
  private done = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    logDir: string,
  ) {
    mkdirSync(logDir, { recursive: true });
    this.log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.done = true;
        this.log.end();
        resolve({ code, signal });
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.onLine(line));
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return !this.done;
  }

  private onLine(line: string): void {
    if (!this.done) this.log.write(`${line}\n`);
    this.recent.push(line);
    if (this.recent.length > 30) this.recent.shift();
    if (!line.startsWith('{"event"')) return;
    let parsed: ChildEvent;
    try {
      parsed = JSON.parse(line) as ChildEvent;
    } catch {
      return;
    }
    const i = this.waiters.findIndex((w) => w.event === parsed.event);
    if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve(parsed);
    else this.seen.push(parsed);
  }

  /** The next event of this name (or one already received and not yet taken). */
  waitFor(event: string, timeoutMs: number): Promise<ChildEvent> {
    const i = this.seen.findIndex((e) => e.event === event);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0] as ChildEvent);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no '${event}' within ${timeoutMs / 1000} s; last output:\n${this.tail()}`)), timeoutMs);
      const waiter = {
        event,
        resolve: (e: ChildEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      this.waiters.push(waiter);
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${signal ?? code}) before '${event}'; last output:\n${this.tail()}`));
      });
    });
  }

  /** Waits until a line of output contains `text`. */
  waitForLine(text: string, timeoutMs: number): Promise<void> {
    if (this.recent.some((l) => l.includes(text))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no '${text}' within ${timeoutMs / 1000} s; last output:\n${this.tail()}`)), timeoutMs);
      const onLine = (line: string) => {
        if (!line.includes(text)) return;
        clearTimeout(timer);
        resolve();
      };
      for (const stream of [this.child.stdout, this.child.stderr]) if (stream) createInterface({ input: stream }).on('line', onLine);
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${signal ?? code}); last output:\n${this.tail()}`));
      });
    });
  }

  send(message: unknown): void {
    this.child.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  tail(): string {
    return this.recent.map((l) => `  ${l}`).join('\n');
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.done) return;
    killGroup(this.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    if ((await Promise.race([this.exited, late])) === 'late') killGroup(this.pid, 'SIGKILL');
    clearTimeout(timer);
    await this.exited;
    killGroup(this.pid, 'SIGKILL');
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Gone already.
  }
}

const started = new Set<BenchChild>();
process.on('exit', () => {
  for (const c of started) if (c.running) killGroup(c.pid, 'SIGKILL');
});

export function startChild(options: ChildOptions): BenchChild {
  const command = options.command ?? process.execPath;
  const args = options.command ? (options.args ?? []) : [...(options.nodeFlags ?? []), '--import', 'tsx', resolve(ROOT, options.script ?? ''), ...(options.args ?? [])];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const bench = new BenchChild(options.name, child, options.logDir);
  started.add(bench);
  if (child.pid) {
    const watchdog = startWatchdog(child.pid);
    void bench.exited.then(() => watchdog.pid && killQuietly(watchdog.pid));
  }
  return bench;
}

/**
 * If the bench dies without stopping a child (SIGKILL, a crash), a detached shell stops the
 * child's group a second later: Node has no parent-death signal.
 */
function startWatchdog(pgid: number): ChildProcess {
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -TERM -- "-$2" 2>/dev/null; sleep 5; kill -KILL -- "-$2" 2>/dev/null';
  const watchdog = spawn('sh', ['-c', script, 'bench-watchdog', String(process.pid), String(pgid)], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return watchdog;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** In a child script: tells the bench something. */
export function emit(event: string, data: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);
}
