import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Output } from './output';
import { ROOT } from './paths';
import type { Supervised, Supervisor } from './processes';
import { toolPath } from './tools';
import { httpStatus, portIsOpen, waitUntil } from './wait';

const START_TIMEOUT_MS = 60_000;

export interface PrometheusOptions {
  supervisor: Supervisor;
  output: Output;
  dataDir: string;
  port: number;
  /** host:port of the API and of every worker, each serving /metrics. */
  targets: { api: string[]; worker: string[] };
  /** How often it scrapes and evaluates the rules: short in development, to see changes soon. */
  intervalSeconds: number;
}

/**
 * A real Prometheus beside the stack, scraping the API and the workers under the job names the
 * dead-man rules test, with ops/alerts.yml loaded: its /alerts page shows what would page. Where
 * the port is taken already, that server is left alone and none is started.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<Supervised | undefined> {
  const { port, output } = options;
  if (await portIsOpen(port)) {
    output.info(`prometheus: port ${port} is taken; not starting one`);
    return undefined;
  }
  const dir = join(options.dataDir, 'prometheus');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(options));
  const server = options.supervisor.start({
    name: 'prometheus',
    command: toolPath('prometheus'),
    args: [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
  });
  await waitUntil(`Prometheus on port ${port}`, async () => (await httpStatus(`http://127.0.0.1:${port}/-/ready`)) === 200, {
    timeoutMs: START_TIMEOUT_MS,
    process: server,
  });
  output.info(`prometheus: ready on http://127.0.0.1:${port}, scraping ${[...options.targets.api, ...options.targets.worker].join(', ')}`);
  return server;
}

/** JSON is YAML: the configuration ops/prometheus.yml describes, with static targets. */
export function prometheusConfig(options: Pick<PrometheusOptions, 'targets' | 'intervalSeconds'>): string {
  const every = `${options.intervalSeconds}s`;
  return JSON.stringify(
    {
      global: { scrape_interval: every, evaluation_interval: every },
      rule_files: [join(ROOT, 'ops', 'alerts.yml')],
      scrape_configs: [
        { job_name: 'courier-api', metrics_path: '/metrics', static_configs: [{ targets: options.targets.api }] },
        { job_name: 'courier-worker', metrics_path: '/metrics', static_configs: [{ targets: options.targets.worker }] },
      ],
    },
    null,
    2,
  );
}
