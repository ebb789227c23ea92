/**
 * `npm run dev`: the whole stack on the usual ports with data kept in .data/dev, Courier's worker
 * and API, the simulated node fleet and metadata source, and a demo service delivering to 200
 * simulated nodes, and a Prometheus scraping the API and the worker with ops/alerts.yml loaded (the
 * dashboard drawn from it on DASHBOARD_PORT). Prints where to look, then the fleet's progress
 * every 10 s. Ctrl-C stops all.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfig } from '../config';
import { adminKeyFile } from './admin-key';
import { box, compactLine } from './banner';
import { DEMO_SIGNING_SECRET, setUpDemo, type Demo } from './demo';
import { StackError } from './errors';
import { runMain } from './main';
import { consoleOutput } from './output';
import { ROOT } from './paths';
import { serveDashboard } from './dashboard';
import { startPrometheus } from './prometheus';
import { devBucketEvents, DEV } from './profiles';
import { startStack, type Stack } from './stack';
import { httpStatus, waitUntil } from './wait';

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
  const config = loadConfig();

  const stack = await startStack({
    ...DEV,
    bucketEvents: devBucketEvents(config.API_PORT),
    output: consoleOutput(),
    onUnexpectedExit: (exited) =>
      void lifecycle.fail(new StackError(`${exited.exitReport()}\nStopping everything.`)),
  });
  lifecycle.onShutdown(() => stack.stop());

  const urls = {
    api: `http://127.0.0.1:${config.API_PORT}`,
    fleet: `http://127.0.0.1:${FLEET_PORT}`,
    source: `http://127.0.0.1:${SOURCE_PORT}`,
    prometheus: `http://127.0.0.1:${PROMETHEUS_PORT}`,
    dashboard: `http://127.0.0.1:${DASHBOARD_PORT}`,
  };
  const apps = startApps(stack, config.API_PORT);
  await waitUntil('the simulated node fleet', async () => (await httpStatus(`${urls.fleet}/stats`)) === 200, { timeoutMs: 60_000, process: apps.sim });
  await waitUntil(`the API to be ready at ${urls.api}/readyz`, async () => (await httpStatus(`${urls.api}/readyz`)) === 200, {
    timeoutMs: 120_000,
    process: apps.api,
  });

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
    targets: { api: [`127.0.0.1:${config.API_PORT}`], worker: [`127.0.0.1:${config.COURIER_WORKER_METRICS_PORT}`] },
    intervalSeconds: 5,
  });
  const dashboard = await serveDashboard({ prometheusUrl: urls.prometheus, port: DASHBOARD_PORT, minutes: 15 });
  lifecycle.onShutdown(() => new Promise<void>((resolve) => dashboard.close(() => resolve())));
  console.log(`\n${banner(urls, stack, demo)}\n`);

  const progress = setInterval(() => void printProgress(`${urls.fleet}/stats`), PROGRESS_EVERY_MS);
  lifecycle.onShutdown(() => clearInterval(progress));
});

/** Simulators, worker and API, on the stack's supervisor so they stop before the servers. */
function startApps(stack: Stack, apiPort: number) {
  const env = {
    ...process.env,
    ...stack.env,
    API_PORT: String(apiPort),
    NODE_FLEET_PORT: String(FLEET_PORT),
    METADATA_SOURCE_PORT: String(SOURCE_PORT),
    NODE_FLEET_SECRET: DEMO_SIGNING_SECRET,
  };
  // Node with tsx's loader rather than the tsx CLI: one process per app, which gets our signals itself.
  const start = (name: keyof typeof APPS) =>
    stack.supervisor.start({ name, command: process.execPath, args: ['--import', 'tsx', APPS[name]], cwd: ROOT, env });
  return { sim: start('sim'), worker: start('worker'), api: start('api') };
}

function banner(urls: { api: string; fleet: string; source: string; prometheus: string; dashboard: string }, stack: Stack, demo: Demo): string {
  const temporalUi = `http://localhost:${DEV.ui.temporal}`;
  const demoQuery = encodeURIComponent(`CourierServiceId="${demo.serviceId}"`);
  return box('Courier dev stack is up — Ctrl-C stops everything', [
    ['API', urls.api],
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
