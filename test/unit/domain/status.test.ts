import { isAtRisk, nodeState } from '../../../src/domain/node-state';
import { expandTemplate, isSharedMetadataUrl } from '../../../src/domain/protocol';
import { signBody, verifySignature } from '../../../src/domain/signing';
import { emptyShardSummary, mergeSummaries, summaryChanged, type ShardSummary } from '../../../src/domain/status';

const summary = (over: Partial<ShardSummary>): ShardSummary => ({ ...emptyShardSummary(), ...over });

describe('node state', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const later = new Date('2026-01-01T00:10:00Z');
  const earlier = new Date('2025-12-31T23:50:00Z');

  it.each([
    [{ expiresAt: null, lastError: null }, 'pending'],
    [{ expiresAt: null, lastError: 'connection refused' }, 'failing'],
    [{ expiresAt: later, lastError: null }, 'fresh'],
    [{ expiresAt: later, lastError: 'node answered 503' }, 'failing'],
    [{ expiresAt: earlier, lastError: null }, 'expired'],
    [{ expiresAt: earlier, lastError: 'x' }, 'expired'],
    [{ expiresAt: now, lastError: null }, 'expired'],
  ] as const)('%o is %s', (columns, state) => {
    expect(nodeState(columns, now)).toBe(state);
  });
});

describe('at risk', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const inSeconds = (s: number) => new Date(now.getTime() + s * 1000);

  it.each([
    [{ expiresAt: inSeconds(200), lastError: null }, false, 'fresh nodes are not at risk'],
    [{ expiresAt: inSeconds(200), lastError: 'refused' }, false, 'failing with most of the budget left'],
    [{ expiresAt: inSeconds(150), lastError: 'refused' }, true, 'failing with half the budget left'],
    [{ expiresAt: inSeconds(10), lastError: 'refused' }, true, 'failing near the deadline'],
    [{ expiresAt: inSeconds(-1), lastError: 'refused' }, false, 'expired is a breach, not at risk'],
    [{ expiresAt: null, lastError: 'refused' }, true, 'never delivered and failing'],
    [{ expiresAt: null, lastError: null }, false, 'never attempted'],
  ] as const)('%o → %s (%s)', (columns, atRisk, _why) => {
    expect(isAtRisk(columns, now, 300)).toBe(atRisk);
  });
});

describe('summaries', () => {
  it('merges counts, the soonest refresh, the latest cycle and a capped failing sample', () => {
    const failing = (prefix: string) =>
      Array.from({ length: 15 }, (_, i) => ({ nodeId: `${prefix}${i}`, attempts: 2, lastError: 'refused' }));
    const merged = mergeSummaries([
      summary({
        counts: { total: 10, fresh: 8, pending: 0, failing: 2, expired: 0 },
        nextRefreshAt: '2026-01-01T00:05:00.000Z',
        lastCycleAt: '2026-01-01T00:00:00.000Z',
        failingNodes: failing('a'),
      }),
      summary({
        counts: { total: 5, fresh: 4, pending: 1, failing: 0, expired: 0 },
        nextRefreshAt: '2026-01-01T00:03:00.000Z',
        lastCycleAt: '2026-01-01T00:01:00.000Z',
        failingNodes: failing('b'),
        engineError: 'database down',
      }),
    ]);
    expect(merged.counts).toEqual({ total: 15, fresh: 12, pending: 1, failing: 2, expired: 0 });
    expect(merged.nextRefreshAt).toBe('2026-01-01T00:03:00.000Z');
    expect(merged.lastCycleAt).toBe('2026-01-01T00:01:00.000Z');
    expect(merged.failingNodes).toHaveLength(20);
    expect(merged.engineError).toBe('database down');
  });

  it('sees a change in counts or failing nodes, not in timestamps alone', () => {
    const a = summary({ counts: { total: 1, fresh: 1, pending: 0, failing: 0, expired: 0 }, lastCycleAt: 't1' });
    expect(summaryChanged(undefined, a)).toBe(true);
    expect(summaryChanged(a, { ...a, lastCycleAt: 't2' })).toBe(false);
    expect(summaryChanged(a, { ...a, counts: { ...a.counts, fresh: 0, expired: 1 } })).toBe(true);
  });
});

describe('protocol', () => {
  it('URL-encodes {service} and {node} in templates', () => {
    expect(expandTemplate('http://{node}:8080/m?s={service}&n={node}', { service: 'pay api', node: 'a:b' })).toBe(
      'http://a%3Ab:8080/m?s=pay%20api&n=a%3Ab',
    );
  });

  it('treats a metadata URL without {node} as the same for every node', () => {
    expect(isSharedMetadataUrl('http://m/v1?service={service}')).toBe(true);
    expect(isSharedMetadataUrl('http://m/v1?node={node}')).toBe(false);
  });

  it('signs and verifies bodies with HMAC-SHA256', () => {
    const sig = signBody('s'.repeat(32), '{"a":1}');
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature('s'.repeat(32), '{"a":1}', sig)).toBe(true);
    expect(verifySignature('s'.repeat(32), '{"a":2}', sig)).toBe(false);
    expect(verifySignature('t'.repeat(32), '{"a":1}', sig)).toBe(false);
    expect(verifySignature('s'.repeat(32), '{"a":1}', undefined)).toBe(false);
  });
});
