/**
 * A stack of its own for the chaos suite, on free ports apart from the shared test stack's, so
 * its servers can be killed without breaking the test files that run after it: PostgreSQL,
 * Temporal and MinIO, and Courier's workers and APIs as processes, each killed with SIGKILL and
 * started again on the same port and data, as an operator or a process manager would.
 */
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { startMinio } from '../../src/stack/minio';
import { fileOutput, type Output } from '../../src/stack/output';
import { ROOT } from '../../src/stack/paths';
import { startPostgres } from '../../src/stack/postgres';
import type { ProcessSpec, Supervised } from '../../src/stack/processes';
import { TEST_DATA_DIR } from '../../src/stack/profiles';
import { startOwnTemporal, startStack, type Stack, type StackPorts } from '../../src/stack/stack';
import { freePort, httpStatus, waitUntil } from '../../src/stack/wait';
import { WORKER_MEMORY_ENV, WORKER_NODE_FLAGS } from '../../src/stack/worker-memory';
import { WORKFLOW_BUNDLE } from './worker-process';

type Server = 'postgres' | 'temporal' | 'minio';

const DATA_DIR = join(TEST_DATA_DIR, 'chaos');
const READY_TIMEOUT_MS = 60_000;

interface App {
  spec: ProcessSpec;
  /** Answers 200 once the process serves (the API's /readyz, the worker's /healthz). */
  readyUrl: string;
}

export class ChaosStack {
  private readonly apps = new Map<string, App>();
  private readonly starts = new Map<string, number>();

  private constructor(
    private readonly stack: Stack,
    private readonly output: Output,
    private readonly ports: StackPorts,
    /** Environment of every Courier process: the stack's addresses and the test's settings. */
    private readonly appEnv: NodeJS.ProcessEnv,
  ) {}

  static async start(settings: Record<string, string>): Promise<ChaosStack> {
    const ports = { postgres: await freePort(), temporal: await freePort(), minio: await freePort() };
    // No DATABASE_URL, TEMPORAL_ADDRESS or S3_ENDPOINT: the shared test stack's are not to be used.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !['DATABASE_URL', 'TEMPORAL_ADDRESS', 'S3_ENDPOINT'].includes(name)));
    const output = fileOutput(join(DATA_DIR, 'logs'), () => undefined);
    const stack = await startStack({ dataDir: DATA_DIR, ports, fresh: true, env, output });
    return new ChaosStack(stack, output, ports, { ...env, ...stack.env, ...settings, COURIER_WORKFLOW_BUNDLE: WORKFLOW_BUNDLE });
  }

  get env(): NodeJS.ProcessEnv {
    return this.appEnv;
  }

  /** A worker process, its /healthz on a port of its own. */
  async startWorker(name: string): Promise<void> {
    const metricsPort = await freePort();
    await this.startApp(name, {
      spec: this.spec(name, 'src/worker.ts', { ...WORKER_MEMORY_ENV, COURIER_WORKER_METRICS_PORT: String(metricsPort) }, WORKER_NODE_FLAGS),
      readyUrl: `http://127.0.0.1:${metricsPort}/healthz`,
    });
  }

  /** An API process; returns its base URL. */
  async startApi(name: string): Promise<string> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    await this.startApp(name, { spec: this.spec(name, 'src/api/main.ts', { API_PORT: String(port) }), readyUrl: `${url}/readyz` });
    return url;
  }

  /** SIGKILL to the process and its whole group (PostgreSQL's backends, say), as a crash would. */
  async kill(name: string): Promise<void> {
    const target = this.stack.supervisor.find(name);
    if (!target?.child.pid) throw new Error(`${name} is not running`);
    process.kill(-target.child.pid, 'SIGKILL');
    await target.exited;
  }

  /** Starts a killed part again on its port and data, and waits until it serves. */
  async restart(name: string): Promise<void> {
    const app = this.apps.get(name);
    if (app) return this.startApp(name, app);
    this.starts.set(name, (this.starts.get(name) ?? 1) + 1);
    const common = { supervisor: this.stack.supervisor, output: this.output, dataDir: DATA_DIR, fresh: false };
    const env = this.appEnv;
    switch (name as Server) {
      case 'postgres':
        await startPostgres({ ...common, port: this.ports.postgres });
        return;
      case 'temporal':
        await startOwnTemporal(loadConfig(env), common, this.ports);
        return;
      case 'minio':
        await startMinio({ ...common, port: this.ports.minio, credentials: { accessKeyId: env.S3_ACCESS_KEY_ID!, secretAccessKey: env.S3_SECRET_ACCESS_KEY! } });
        return;
      default:
        throw new Error(`no part named ${name}`);
    }
  }

  /** How many times a part was started: 1 for one never killed (or dead of itself and not restarted). */
  startsOf(name: string): number {
    return this.starts.get(name) ?? 1;
  }

  /** The parts whose process is running now. */
  running(): string[] {
    return ['postgres', 'temporal', 'minio', ...this.apps.keys()].filter((name) => this.stack.supervisor.find(name));
  }

  stop(): Promise<void> {
    return this.stack.stop();
  }

  private spec(name: string, entry: string, own: Record<string, string>, nodeFlags: readonly string[] = []): ProcessSpec {
    return { name, command: process.execPath, args: [...nodeFlags, '--import', 'tsx', join(ROOT, entry)], cwd: ROOT, env: { ...this.appEnv, ...own } };
  }

  private async startApp(name: string, app: App): Promise<void> {
    this.starts.set(name, (this.starts.get(name) ?? 0) + 1);
    this.apps.set(name, app);
    const proc: Supervised = this.stack.supervisor.start(app.spec);
    await waitUntil(`${name} to be ready at ${app.readyUrl}`, async () => (await httpStatus(app.readyUrl)) === 200, {
      timeoutMs: READY_TIMEOUT_MS,
      process: proc,
    });
  }
}
