import { isAtRisk, nodeState } from '../../../src/domain/node-state';
import { expandTemplate, isSharedMetadataUrl } from '../../../src/domain/protocol';
import { signBody, verifySignature } from '../../../src/domain/signing';

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
    ['fresh nodes are not at risk', { expiresAt: inSeconds(200), lastError: null }, false],
    ['failing with most of the budget left', { expiresAt: inSeconds(200), lastError: 'refused' }, false],
    ['failing with half the budget left', { expiresAt: inSeconds(150), lastError: 'refused' }, true],
    ['failing near the deadline', { expiresAt: inSeconds(10), lastError: 'refused' }, true],
    ['expired is a breach, not at risk', { expiresAt: inSeconds(-1), lastError: 'refused' }, false],
    ['never delivered and failing', { expiresAt: null, lastError: 'refused' }, true],
    ['never attempted', { expiresAt: null, lastError: null }, false],
  ] as const)('%s', (_case, columns, atRisk) => {
    expect(isAtRisk(columns, now, 300)).toBe(atRisk);
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
