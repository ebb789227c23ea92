/**
 * The Grafana dashboard against what Courier really exports: a panel whose query names a metric
 * nobody exports (a typo, a rename) would stay empty, silently.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportedMetrics, metricNames } from '../../support/promql';

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string; refId: string }[];
}

const dashboard = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'ops', 'grafana', 'courier.json'), 'utf8')) as { uid: string; panels: Panel[] };

describe('ops/grafana/courier.json', () => {
  let known: Set<string>;
  beforeAll(async () => {
    known = await exportedMetrics();
  });

  it('has the panels operators look at first', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of ['Coverage', 'At-risk and breached nodes', 'Deliveries by outcome', 'Lateness', 'Mapping loads', 'Notifications', 'Worker task slots', 'Temporal task latency']) {
      expect(titles).toContain(title);
    }
    expect(new Set(titles).size).toBe(titles.length);
  });

  it.each(dashboard.panels.map((p) => [p.title, p] as const))('%s queries only metrics Courier exports', (_title, panel) => {
    const exprs = (panel.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) {
      const names = metricNames(expr);
      expect(names.length).toBeGreaterThan(0);
      expect(names.filter((n) => !known.has(n))).toEqual([]);
    }
  });
});
