/**
 * `npm run dev`: the whole stack on the usual ports with data kept in .data/dev, Courier's worker
 * and API (`-- --workers N --apis N` for several of each), the simulated node fleet and metadata
 * source, a demo service delivering to 200 simulated nodes, and a Prometheus scraping the APIs and
 * the workers with ops/alerts.yml loaded (the dashboard drawn from it on DASHBOARD_PORT). Prints
 * where to look, then the fleet's progress every 10 s. A worker or API that exits is started
 * again with backoff, as a process manager would; a server or simulator that exits stops
 * everything. Ctrl-C stops all.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig, type Config } from '../config';
import { adminKeyFile } from './admin-key';
import { box, compactLine } from './banner';
import { DEMO_SIGNING_SECRET, setUpDemo, type Demo } from './demo';
import { StackError } from './errors';
import { runMain } from './main';
import { consoleOutput } from './output';
import { ROOT } from './paths';
import { serveDashboard } from './dashboard';
import { DEV_USAGE, parseDevOptions, type DevOptions } from './dev-options';
import type { Supervised } from './processes';
import { startPrometheus } from './prometheus';
import { devBucketEvents, DEV } from './profiles';
import { startStack, type Stack } from './stack';
import { httpStatus, waitUntil } from './wait';
import { WORKER_MEMORY_ENV, WORKER_NODE_FLAGS } from './worker-memory';
import { workerPlanEnv, workerProcesses } from './worker-roles';

const FLEET_PORT = 9101;
const SOURCE_PORT = 9102;
const DASHBOARD_PORT = 9103;
const PROMETHEUS_PORT = 9090;
const PROGRESS_EVERY_MS = 10_000;
const APPS = {
  sim: 'src/simulators/main.ts',
  worker: 'src/worker.ts',
  api: 'src/api/main.ts',
};

runMain(async (lifecycle) => {
  const missing = Object.values(APPS).filter((file) => !existsSync(join(ROOT, file)));
  if (missing.length > 0) throw new StackError(`Cannot start the dev stack: ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist yet.`);
  const options = parseDevOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(`${DEV_USAGE}\n`);
    return;
  }
  const config = loadConfig();

  const stack = await startStack({
    ...DEV,
    bucketEvents: devBucketEvents(config.API_PORT),
    output: consoleOutput(),
    onUnexpectedExit: (exited) =>
      void lifecycle.fail(new StackError(`${exited.exitReport()}\nStopping everything.`)),
  });
  lifecycle.onShutdown(() => stack.stop());

  const apiUrls = Array.from({ length: options.apis }, (_, i) => `http://127.0.0.1:${config.API_PORT + i}`);
  const urls = {
    api: apiUrls[0]!,
    fleet: `http://127.0.0.1:${FLEET_PORT}`,
    source: `http://127.0.0.1:${SOURCE_PORT}`,
    prometheus: `http://127.0.0.1:${PROMETHEUS_PORT}`,
    dashboard: `http://127.0.0.1:${DASHBOARD_PORT}`,
  };
  const sim = startApps(stack, config, options);
  await waitUntil('the simulated node fleet', async () => (await httpStatus(`${urls.fleet}/stats`)) === 200, { timeoutMs: 60_000, process: sim });
  for (const api of apiUrls) {
    // No process to watch: an API that exits is started again; its output says why.
    await waitUntil(`the API to be ready at ${api}/readyz`, async () => (await httpStatus(`${api}/readyz`)) === 200, { timeoutMs: 120_000 });
  }

  const demo = await setUpDemo({
    apiUrl: urls.api,
    adminKey: stack.env.COURIER_ADMIN_KEY,
    s3: { endpoint: stack.env.S3_ENDPOINT, region: stack.env.S3_REGION, accessKeyId: stack.env.S3_ACCESS_KEY_ID, secretAccessKey: stack.env.S3_SECRET_ACCESS_KEY },
    fleetUrl: urls.fleet,
    sourceUrl: urls.source,
    stateFile: join(DEV.dataDir, 'demo.json'),
  });
  await startPrometheus({
    supervisor: stack.supervisor,
    output: consoleOutput(),
    dataDir: DEV.dataDir,
    port: PROMETHEUS_PORT,
    targets: {
      api: apiUrls.map((url) => url.replace('http://', '')),
      worker: workerProcesses(options.workers, options.roles).map((_, i) => `127.0.0.1:${config.COURIER_WORKER_METRICS_PORT + i}`),
    },
    intervalSeconds: 5,
  });
  const dashboard = await serveDashboard({ prometheusUrl: urls.prometheus, port: DASHBOARD_PORT, minutes: 15 });
  lifecycle.onShutdown(() => new Promise<void>((resolve) => dashboard.close(() => resolve())));
  console.log(`\n${banner({ ...urls, apis: apiUrls }, options, stack, demo)}\n`);

  const progress = setInterval(() => void printProgress(`${urls.fleet}/stats`), PROGRESS_EVERY_MS);
  lifecycle.onShutdown(() => clearInterval(progress));
});

/**
 * Simulators, workers and APIs, on the stack's supervisor so they stop before the servers; the
 * workers and APIs restart on their own. Returns the simulators' process.
 */
function startApps(stack: Stack, config: Config, options: DevOptions): Supervised {
  const env = {
    ...process.env,
    ...stack.env,
    NODE_FLEET_PORT: String(FLEET_PORT),
    METADATA_SOURCE_PORT: String(SOURCE_PORT),
    NODE_FLEET_SECRET: DEMO_SIGNING_SECRET,
  };
  // Node with tsx's loader rather than the tsx CLI: one process per app, which gets our signals itself.
  const start = (app: keyof typeof APPS, name: string, own: NodeJS.ProcessEnv = {}, how: { restart?: boolean; nodeFlags?: readonly string[] } = {}) =>
    stack.supervisor.start({
      name,
      command: process.execPath,
      args: [...(how.nodeFlags ?? []), '--import', 'tsx', APPS[app]],
      cwd: ROOT,
      env: { ...env, ...own },
      restart: how.restart ?? true,
    });
  const numbered = (app: string, i: number, count: number) => (count === 1 ? app : `${app}-${i + 1}`);
  const sim = start('sim', 'sim', {}, { restart: false });
  workerProcesses(options.workers, options.roles).forEach((plan, i) => {
    const metricsPort = config.COURIER_WORKER_METRICS_PORT === 0 ? 0 : config.COURIER_WORKER_METRICS_PORT + i;
    const own = { ...WORKER_MEMORY_ENV, COURIER_WORKER_METRICS_PORT: String(metricsPort), ...workerPlanEnv(plan) };
    start('worker', plan.name, own, { nodeFlags: WORKER_NODE_FLAGS });
  });
  for (let i = 0; i < options.apis; i++) start('api', numbered('api', i, options.apis), { API_PORT: String(config.API_PORT + i) });
  return sim;
}

function banner(
  urls: { apis: string[]; api: string; fleet: string; source: string; prometheus: string; dashboard: string },
  options: DevOptions,
  stack: Stack,
  demo: Demo,
): string {
  const temporalUi = `http://localhost:${DEV.ui.temporal}`;
  const demoQuery = encodeURIComponent(`CourierServiceId="${demo.serviceId}"`);
  return box('Courier dev stack is up — Ctrl-C stops everything', [
    [urls.apis.length > 1 ? 'APIs' : 'API', urls.apis.join('  ')],
    ['Workers', `${workerProcesses(options.workers, options.roles).map((w) => w.role).join(', ')} (started again with backoff if one exits)`],
    ['API docs', `${urls.api}/docs   (spec: ${urls.api}/openapi.json)`],
    ['Temporal Web UI', temporalUi],
    ['', `demo workflows: ${temporalUi}/namespaces/default/workflows?query=${demoQuery}`],
    ['MinIO console', `http://127.0.0.1:${DEV.ui.minioConsole}   (login ${stack.env.S3_ACCESS_KEY_ID} / ${stack.env.S3_SECRET_ACCESS_KEY})`],
    ['Dashboard', `${urls.dashboard}   (ops/grafana/courier.json drawn from Prometheus; import that file into Grafana for the real one)`],
    ['Prometheus', `${urls.prometheus}   (alerts: ${urls.prometheus}/alerts, rules from ops/alerts.yml)`],
    ['Node fleet ledger', `${urls.fleet}/stats`],
    ['Metadata source', `${urls.source}/stats`],
    ['Demo service', `${demo.serviceId} (${demo.nodeCount} nodes, mapping s3://courier-mappings/demo/nodes.csv)`],
    ['Demo customer key', demo.customerKey],
    ['Admin key', `${relative(process.cwd(), adminKeyFile(DEV.dataDir))} (export COURIER_ADMIN_KEY=$(cat ${relative(process.cwd(), adminKeyFile(DEV.dataDir))}))`],
    ['', `curl -H 'Authorization: Bearer ${demo.customerKey}' ${urls.api}/v1/services/${demo.serviceId}`],
    ['Data', `${relative(process.cwd(), DEV.dataDir) || '.'} (kept across runs; delete it to start over)`],
  ]);
}

async function printProgress(statsUrl: string): Promise<void> {
  const time = new Date().toISOString().slice(11, 19);
  try {
    const res = await fetch(statsUrl, { signal: AbortSignal.timeout(3000) });
    console.log(`${time} fleet: ${compactLine(await res.json())}`);
  } catch (err) {
    console.log(`${time} fleet: no answer from ${statsUrl} (${(err as Error).message})`);
  }
}
