/**
 * The production build as the image runs it: `tsc` into dist/ and the workflow bundle beside the
 * worker, then `node dist/worker.js` and `node dist/api/main.js` against the real stack, with every
 * devDependency forbidden to them (test/support/forbid-dev-dependencies.cjs). The worker loads the
 * prebuilt bundle by default and runs a workflow from it; neither process prints a warning; both
 * log JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import { ROOT } from '../../src/stack/paths';
import { TEST_DATA_DIR } from '../../src/stack/profiles';
import { runCommand } from '../../src/stack/run';
import { WORKER_MEMORY_ENV, WORKER_NODE_FLAGS } from '../../src/stack/worker-memory';
import { notifierWorkflowId } from '../../src/workflows/notifier/definitions';
import { eventually } from '../support/eventually';
import { freeLoopbackPort } from '../../src/net/free-port';

const BUILD = join(TEST_DATA_DIR, 'compiled-build');
const DIST = join(BUILD, 'dist');
const TASK_QUEUE = `compiled-${Date.now()}`;

class Compiled {
  readonly child: ChildProcess;
  output = '';

  constructor(entry: string, env: Record<string, string>, nodeFlags: readonly string[] = []) {
    // The worker must find the bundle beside it by itself.
    const inherited = { ...process.env };
    delete inherited.COURIER_WORKFLOW_BUNDLE;
    this.child = spawn(process.execPath, [...nodeFlags, '--require', join(ROOT, 'test', 'support', 'forbid-dev-dependencies.cjs'), join(DIST, entry)], {
      cwd: BUILD,
      env: { ...inherited, ...env, NODE_ENV: 'production', COURIER_FORBID_DEV_FROM: DIST },
    });
    for (const stream of [this.child.stdout, this.child.stderr]) stream?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  lines(): string[] {
    return this.output.split('\n').filter((line) => line.trim() !== '');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

describe('the compiled build (dist/)', () => {
  const config = loadConfig();
  let worker: Compiled;
  let api: Compiled;
  let metricsPort: number;
  let apiPort: number;

  beforeAll(async () => {
    const tsc = require.resolve('typescript/bin/tsc');
    await runCommand('tsc', process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', DIST]);
    await runCommand('workflow bundling', process.execPath, [join(DIST, 'stack', 'workflow-bundle.js'), join(DIST, 'workflow-bundle.js')]);
    [metricsPort, apiPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
    // As docker-compose.yml starts it.
    worker = new Compiled('worker.js', { ...WORKER_MEMORY_ENV, COURIER_TASK_QUEUE: TASK_QUEUE, COURIER_WORKER_METRICS_PORT: String(metricsPort) }, WORKER_NODE_FLAGS);
    api = new Compiled(join('api', 'main.js'), { COURIER_TASK_QUEUE: TASK_QUEUE, API_PORT: String(apiPort) });
  }, 240_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
  });

  const failWith = (err: Error) => {
    throw new Error(`${err.message}\nworker output:\n${worker.output}\napi output:\n${api.output}`);
  };

  it('starts the worker on the prebuilt bundle, which runs the notifier workflow', async () => {
    await eventually('the compiled worker polling', async () => (worker.output.includes('courier worker polling') ? true : undefined), 60_000).catch(failWith);
    expect(worker.output).toContain(`workflows from the bundle ${join(DIST, 'workflow-bundle.js')}`);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);

    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    try {
      const handle = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }).workflow.getHandle(notifierWorkflowId(TASK_QUEUE));
      await eventually(
        'a dispatch activity completed by the notifier workflow on the compiled worker',
        async () => ((await handle.fetchHistory()).events?.some((e) => e.activityTaskCompletedEventAttributes) ? true : undefined),
        60_000,
        500,
      ).catch(failWith);
    } finally {
      await connection.close();
    }
  });

  it('starts the API, ready with its dependencies', async () => {
    await eventually('the compiled API ready', async () => ((await fetch(`http://127.0.0.1:${apiPort}/readyz`)).status === 200 ? true : undefined), 60_000).catch(failWith);
    expect((await fetch(`http://127.0.0.1:${apiPort}/openapi.json`)).status).toBe(200);
  });

  it('logs JSON lines only, without a single runtime warning', () => {
    for (const proc of [worker, api]) {
      expect(proc.lines().length).toBeGreaterThan(0);
      expect(proc.lines().filter((line) => !line.startsWith('{'))).toEqual([]);
      expect(proc.output).not.toMatch(/warning/i);
      expect(proc.lines().filter((line) => (JSON.parse(line) as { level: number }).level >= 40)).toEqual([]);
    }
  });
});
