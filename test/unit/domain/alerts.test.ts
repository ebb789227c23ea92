import { alertAfterFailure, alertEvent, notificationRetryDelayMs, summaryMessage, type AlertInput } from '../../../src/domain/alerts';

describe('alert episodes', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const inSeconds = (s: number) => new Date(now.getTime() + s * 1000);
  const refreshBefore = 300;

  it.each([
    ['a failure with budget left opens nothing', { alert: null, expiresAt: inSeconds(200) }, false, null, null],
    ['a failure with half the budget spent opens an at-risk episode', { alert: null, expiresAt: inSeconds(100) }, false, 'at_risk', 'at_risk'],
    ['a node that never held metadata is at risk from its first failure', { alert: null, expiresAt: null }, false, 'at_risk', 'at_risk'],
    ['more failures while at risk say nothing new', { alert: 'at_risk', expiresAt: inSeconds(50) }, false, 'at_risk', null],
    ['a failure past the deadline is a breach', { alert: 'at_risk', expiresAt: inSeconds(-1) }, false, 'breached', 'breach'],
    ['a breach without a warning first is still announced', { alert: null, expiresAt: inSeconds(-30) }, false, 'breached', 'breach'],
    ['more failures while breached say nothing new', { alert: 'breached', expiresAt: inSeconds(-90) }, false, 'breached', null],
    ['a breach never steps back to at risk without an ack', { alert: 'breached', expiresAt: inSeconds(100) }, false, 'breached', null],
    ['an ack ends a breach once', { alert: 'breached', expiresAt: inSeconds(-90) }, true, null, 'recovered'],
    ['an ack ends an at-risk episode once', { alert: 'at_risk', expiresAt: inSeconds(10) }, true, null, 'recovered'],
    ['an ack with no episode is routine', { alert: null, expiresAt: inSeconds(10) }, true, null, null],
  ] as const)('%s', (_case, node, acked, after, event) => {
    const alert = acked ? null : alertAfterFailure(node as AlertInput, now, refreshBefore);
    expect({ alert, event: alertEvent(node.alert, alert) }).toEqual({ alert: after, event });
  });
});

describe('summaries', () => {
  it('names a sample of nodes and counts the rest', () => {
    expect(summaryMessage({ kind: 'breach', serviceName: 'payments', count: 12, sampleNodeIds: ['a', 'b'], detail: null })).toBe(
      "12 nodes (a, b and 10 more) of service 'payments' hold expired metadata: delivery did not succeed before the deadline",
    );
    expect(summaryMessage({ kind: 'recovered', serviceName: 'payments', count: 1, sampleNodeIds: ['a'], detail: null })).toBe(
      "1 node (a) of service 'payments' recovered: delivered and acked again",
    );
  });

  it('carries the detail of service events', () => {
    expect(summaryMessage({ kind: 'mapping_held', serviceName: 's', count: 1, sampleNodeIds: [], detail: 'lists 10 of 100 nodes' })).toContain(
      'held, not applied: lists 10 of 100 nodes',
    );
  });
});

describe('notification retries', () => {
  it('double from a second up to ten minutes', () => {
    expect([1, 2, 3, 10, 30].map(notificationRetryDelayMs)).toEqual([1_000, 2_000, 4_000, 512_000, 600_000]);
  });
});
