import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { WORKER_MEMORY_ENV, WORKER_NODE_FLAGS } from '../../src/stack/worker-memory';

const ROOT = join(__dirname, '..', '..');
/** Written by the global setup (src/stack/workflow-bundle.ts) once per test run. */
export const WORKFLOW_BUNDLE = join(ROOT, '.data', 'test', 'workflow-bundle.js');

/** The real worker (src/worker.ts) as a child process, so a test can kill it like a crash would. */
export class WorkerProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async start(): Promise<void> {
    // Started as the dev stack and the image start it: its memory settings are part of what is tested.
    const env = { ...process.env, ...WORKER_MEMORY_ENV, ...this.env, COURIER_WORKFLOW_BUNDLE: WORKFLOW_BUNDLE };
    const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, '--import', 'tsx', join(ROOT, 'src', 'worker.ts')], { env, cwd: ROOT });
    this.child = child;
    this.output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start:\n${this.output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        this.output = (this.output + chunk.toString()).slice(-20_000);
        if (this.output.includes('courier worker polling')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited with ${code}:\n${this.output}`));
      });
    });
  }

  /** The running worker's process id: its Temporal identity is `<pid>@<host>`. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** What the worker printed most recently, for failure messages. */
  get recentOutput(): string {
    return this.output;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}
