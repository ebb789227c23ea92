/**
 * The alerting rules against what Courier really exports (test/support/promql.ts): a rule that
 * names a metric nobody exports (a typo, a rename) would never fire, silently.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FAILURE_REASONS } from '../../../src/engine/delivery/failure';
import { exportedMetrics, metricNames } from '../../support/promql';

const ROOT = join(__dirname, '..', '..', '..');
const RUNBOOK = 'docs/runbook.md';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules: Rule[] = (parse(readFileSync(join(ROOT, 'ops', 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const runbook = readFileSync(join(ROOT, RUNBOOK), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchors = new Set(
  [...runbook.matchAll(/^#{1,6}\s+(.+)$/gm)].map(([, heading = '']) =>
    heading
      .trim()
      .toLowerCase()
      .replace(/[^\w\- ]/g, '')
      .replace(/ /g, '-'),
  ),
);

describe('metricNames', () => {
  it('finds the metrics and only them', () => {
    expect(
      metricNames('sum by (reason) (rate(courier_deliveries_total{outcome="failed", reason=~"a|b"}[5m])) / on() group_left max (up)'),
    ).toEqual(['courier_deliveries_total', 'up']);
    expect(metricNames('time() - max(max_over_time(x_seconds[3h])) > 3600 and on() (sum(max by (state) (y)) > 0)')).toEqual([
      'x_seconds',
      'y',
    ]);
    expect(metricNames('absent(up{job="courier-worker"}) or z == 0')).toEqual(['up', 'z']);
  });
});

describe('ops/alerts.yml', () => {
  let known: Set<string>;
  beforeAll(async () => {
    known = await exportedMetrics();
  });

  it('has rules, each alert once', () => {
    expect(rules.length).toBeGreaterThan(10);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it.each(rules.map((r) => [r.alert, r] as const))('%s has an expression, a severity, a summary and its runbook section', (alert, rule) => {
    expect(rule.expr.trim()).not.toBe('');
    expect(['critical', 'warning', 'none']).toContain(rule.labels?.severity);
    expect(rule.annotations?.summary?.trim()).toBeTruthy();
    expect(rule.annotations?.description?.trim()).toBeTruthy();
    const anchor = alert.toLowerCase();
    expect(rule.annotations?.runbook_url).toBe(`${RUNBOOK}#${anchor}`);
    expect(anchors).toContain(anchor);
  });

  it.each(rules.map((r) => [r.alert, r] as const))('%s selects only metrics Courier exports', (_alert, rule) => {
    const names = metricNames(rule.expr);
    // Only the watchdog selects nothing: it fires always, on purpose.
    if (rule.expr.trim() !== 'vector(1)') expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !known.has(n))).toEqual([]);
  });

  it('filters deliveries only by reasons the classifier produces', () => {
    const reasons = rules.flatMap((r) => [...r.expr.matchAll(/reason="([^"]*)"/g)].map(([, reason]) => reason));
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.filter((reason) => !(FAILURE_REASONS as readonly (string | undefined)[]).includes(reason))).toEqual([]);
  });
});

describe('ops/alerts.test.yml (promtool test rules)', () => {
  const suite = parse(readFileSync(join(ROOT, 'ops', 'alerts.test.yml'), 'utf8')) as {
    tests: { name: string; alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
  };

  it('checks every alert against a healthy fleet, where only the watchdog fires', () => {
    const healthy = suite.tests.find((t) => t.name === 'healthy fleet');
    const checked = new Map(healthy?.alert_rule_test.map((c) => [c.alertname, c.exp_alerts.length]));
    expect([...checked.keys()].sort()).toEqual(rules.map((r) => r.alert).sort());
    expect([...checked].filter(([, firing]) => firing > 0).map(([alert]) => alert)).toEqual(['CourierWatchdog']);
  });

  it('has a firing case for the breach, saturation and dead-man alerts', () => {
    const firing = new Set(suite.tests.flatMap((t) => t.alert_rule_test.filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname)));
    for (const alert of ['CourierNodesBreached', 'CourierNodesAtRisk', 'CourierWorkerSlotsExhausted', 'CourierTaskScheduleToStartHigh', 'CourierWorkerDown']) {
      expect(firing).toContain(alert);
    }
  });
});

describe(RUNBOOK, () => {
  it('has no links to sections it lacks', () => {
    const links = [...runbook.matchAll(/\]\(#([^)]+)\)/g)].map(([, anchor = '']) => anchor);
    expect(links.filter((a) => !anchors.has(a))).toEqual([]);
  });
});
