import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Backoff } from '../domain/backoff';
import { outputTail } from './errors';
import type { Output } from './output';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user: PostgreSQL refuses to run as root. */
  uid?: number;
  gid?: number;
  /** The signal that asks for a graceful stop (PostgreSQL's fast shutdown is SIGINT). */
  stopSignal?: NodeJS.Signals;
  /**
   * Started again with backoff when it exits on its own, as a process manager would (Courier's
   * worker and API); otherwise its exit is reported to `onUnexpectedExit`.
   */
  restart?: boolean;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const RECENT_LINES = 40;
const DEFAULT_GRACE_MS = 15_000;

/** One supervised process: the leader of its own process group. */
export class Supervised {
  readonly exited: Promise<Exit>;
  private readonly recent: string[] = [];
  private exit: Exit | undefined;
  readonly startedAt = Date.now();

  constructor(
    readonly spec: ProcessSpec,
    readonly child: ChildProcess,
    output: Output,
  ) {
    this.exited = new Promise((resolve) => {
      const exit = (code: number | null, signal: NodeJS.Signals | null) => {
        this.exit ??= { code, signal };
        resolve(this.exit);
      };
      child.once('exit', exit);
      // A process that could not be spawned emits no 'exit'.
      child.once('error', (err) => {
        this.recent.push(err.message);
        if (child.pid === undefined) exit(127, null);
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.recent.push(line);
        if (this.recent.length > RECENT_LINES) this.recent.shift();
        output.process(spec.name, line);
      });
    }
  }

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** What the process printed last, for error messages. */
  recentOutput(): string[] {
    return [...this.recent];
  }

  describeExit(): string {
    if (!this.exit) return 'is running';
    return this.exit.signal ? `was killed by ${this.exit.signal}` : `exited with code ${this.exit.code}`;
  }

  /** "<name> exited with code 1", and what it printed last. */
  exitReport(): string {
    return `${this.name} ${this.describeExit()}. Its last output:\n${outputTail(this.recentOutput())}`;
  }
}

export interface SupervisorOptions {
  output: Output;
  /** How long a process gets after its stop signal before its whole group is killed. */
  graceMs?: number;
  /** Called when a process exits while the supervisor is not stopping. */
  onUnexpectedExit?: (exited: Supervised) => void;
}

/**
 * Starts processes in their own process groups and stops them all, latest first, so that
 * applications go before the servers they use. Nothing it started outlives it: if its own
 * process dies, even by SIGKILL, a small watchdog per child stops that child's group.
 */
export class Supervisor {
  private readonly children: Supervised[] = [];
  private readonly restarts = new Set<NodeJS.Timeout>();
  private stopping: Promise<void> | undefined;
  private readonly killAllOnExit = () => {
    for (const c of this.children) if (c.running) killGroup(c.child, 'SIGKILL');
  };

  constructor(private readonly options: SupervisorOptions) {
    process.on('exit', this.killAllOnExit);
  }

  start(spec: ProcessSpec, backoff = new Backoff()): Supervised {
    if (this.stopping) throw new Error(`cannot start ${spec.name}: the supervisor is stopping`);
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      uid: spec.uid,
      gid: spec.gid,
      // Its own process group: a terminal's Ctrl-C reaches only us, and we stop children in order.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const supervised = new Supervised(spec, child, this.options.output);
    this.children.push(supervised);
    const watchdog = child.pid ? startWatchdog(child.pid, spec.stopSignal ?? 'SIGTERM') : undefined;
    void supervised.exited.then(() => {
      if (watchdog?.pid) tryKill(watchdog.pid, 'SIGKILL');
      if (this.stopping) return;
      if (spec.restart) this.restartLater(supervised, backoff);
      else this.options.onUnexpectedExit?.(supervised);
    });
    return supervised;
  }

  /** The running process started under `name`, if any. */
  find(name: string): Supervised | undefined {
    return this.children.find((c) => c.name === name && c.running);
  }

  private restartLater(exited: Supervised, backoff: Backoff): void {
    const delay = backoff.next(Date.now() - exited.startedAt);
    this.options.output.info(`${exited.name} ${exited.describeExit()}: starting it again in ${delay / 1000} s`);
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (!this.stopping) this.start(exited.spec, backoff);
    }, delay);
    this.restarts.add(timer);
  }

  /** Stops every process, latest first; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const timer of this.restarts) clearTimeout(timer);
      for (const child of [...this.children].reverse()) await this.stopOne(child);
      process.off('exit', this.killAllOnExit);
    })();
    return this.stopping;
  }

  private async stopOne(target: Supervised): Promise<void> {
    const { child, spec } = target;
    if (target.running && child.pid) {
      tryKill(child.pid, spec.stopSignal ?? 'SIGTERM');
      const grace = this.options.graceMs ?? DEFAULT_GRACE_MS;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), grace)));
      if ((await Promise.race([target.exited, timedOut])) === 'timeout') {
        this.options.output.info(`${spec.name} did not stop within ${grace / 1000} s: killing it`);
      }
      clearTimeout(timer);
    }
    // Whatever the leader left behind in its group goes too.
    killGroup(child, 'SIGKILL');
    await target.exited;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid) tryKill(-child.pid, signal);
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * A detached shell that outlives us only to stop one child's group if we die without stopping
 * it (SIGKILL, a crash): Node has no parent-death signal, and this works on Linux and macOS.
 */
function startWatchdog(pgid: number, stopSignal: NodeJS.Signals): ChildProcess {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'kill -s "$3" "$2" 2>/dev/null; sleep 5; kill -s KILL -- "-$2" 2>/dev/null';
  const watchdog = spawn('sh', ['-c', script, 'courier-watchdog', String(process.pid), String(pgid), stopSignal.replace(/^SIG/, '')], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return watchdog;
}
