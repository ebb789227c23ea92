import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prometheusConfig } from '../../../src/stack/prometheus';

describe("npm run dev's Prometheus configuration", () => {
  const config = JSON.parse(prometheusConfig({ targets: { api: ['127.0.0.1:8080'], worker: ['127.0.0.1:9464', '127.0.0.1:9465'] }, intervalSeconds: 5 })) as {
    rule_files: string[];
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };

  it('scrapes the API and every worker under the job names the dead-man rules test', () => {
    const alerts = readFileSync(join(__dirname, '..', '..', '..', 'ops', 'alerts.yml'), 'utf8');
    for (const job of config.scrape_configs.map((s) => s.job_name)) expect(alerts).toContain(`up{job="${job}"}`);
    expect(Object.fromEntries(config.scrape_configs.map((s) => [s.job_name, s.static_configs.flatMap((c) => c.targets)]))).toEqual({
      'courier-api': ['127.0.0.1:8080'],
      'courier-worker': ['127.0.0.1:9464', '127.0.0.1:9465'],
    });
  });

  it('loads ops/alerts.yml', () => {
    expect(config.rule_files).toEqual([join(__dirname, '..', '..', '..', 'ops', 'alerts.yml')]);
  });
});
