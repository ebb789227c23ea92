import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** Written by the global setup (src/stack/workflow-bundle.ts) once per test run. */
export const WORKFLOW_BUNDLE = join(ROOT, '.data', 'test', 'workflow-bundle.js');

/** The real worker (src/worker.ts) as a child process, so a test can kill it like a crash would. */
export class WorkerProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  async start(): Promise<void> {
    const env = { ...process.env, ...this.env, COURIER_WORKFLOW_BUNDLE: WORKFLOW_BUNDLE };
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'worker.ts')], { env, cwd: ROOT });
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
