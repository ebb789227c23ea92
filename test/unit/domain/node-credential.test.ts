import { createHmac } from 'node:crypto';
import { credentialOf, nodeAuthorization, pullToken, pullTokenExpiry, verifyPullToken } from '../../../src/domain/node-credential';
import { parseKeyring } from '../../../src/domain/secret-box';

const KEY = Buffer.alloc(32, 7).toString('base64');
const OTHER_KEY = Buffer.alloc(32, 9).toString('base64');
const SERVICE = '3f1c2a7e-0000-4000-8000-000000000001';
const now = new Date('2026-01-01T00:00:00Z');
const inOneHour = new Date(now.getTime() + 3600_000);

describe('node pull tokens', () => {
  const keyring = parseKeyring(KEY);
  const token = pullToken(keyring, { serviceId: SERVICE, nodeId: 'node-1', expiresAt: inOneHour });

  it('opens one node of one service until it expires', () => {
    expect(verifyPullToken(keyring, SERVICE, 'node-1', token, now)).toEqual({ valid: true });
    expect(verifyPullToken(keyring, SERVICE, 'node-2', token, now)).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyPullToken(keyring, '3f1c2a7e-0000-4000-8000-000000000002', 'node-1', token, now)).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyPullToken(keyring, SERVICE, 'node-1', token, inOneHour)).toEqual({ valid: false, reason: 'expired' });
  });

  it('cannot be extended or made by anyone without the server key', () => {
    const [format, kid, expiry, macText] = token.split('.');
    const later = [format, kid, String(Number(expiry) + 86_400), macText].join('.');
    expect(verifyPullToken(keyring, SERVICE, 'node-1', later, now)).toEqual({ valid: false, reason: 'mismatch' });
    // A node knows its signing secret; an HMAC under it is no token.
    const guessed = createHmac('sha256', 'the-signing-secret-every-node-holds').update(`pt1\n${kid}\n${SERVICE}\nnode-2\n${expiry}`).digest('base64url');
    expect(verifyPullToken(keyring, SERVICE, 'node-2', [format, kid, expiry, guessed].join('.'), now)).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyPullToken(parseKeyring(OTHER_KEY), SERVICE, 'node-1', token, now)).toEqual({ valid: false, reason: 'unknown key' });
    expect(verifyPullToken(keyring, SERVICE, 'node-1', token.slice(0, -2), now)).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifyPullToken(keyring, SERVICE, 'node-1', 'pt1.zz', now)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('stays valid after a rotation while the old key is kept', () => {
    const rotated = parseKeyring(OTHER_KEY, KEY);
    expect(verifyPullToken(rotated, SERVICE, 'node-1', token, now)).toEqual({ valid: true });
    const fresh = pullToken(rotated, { serviceId: SERVICE, nodeId: 'node-1', expiresAt: inOneHour });
    expect(fresh.split('.')[1]).toBe(rotated.current.kid);
  });

  it('lasts the copy and one more lifetime', () => {
    expect(pullTokenExpiry(inOneHour, 3600).getTime() - inOneHour.getTime()).toBe(3600_000);
  });

  it('is read from a Courier-Node Authorization header only', () => {
    expect(credentialOf(nodeAuthorization(token))).toBe(token);
    for (const header of [undefined, '', `Bearer ${token}`, 'Courier-Node', `Courier-Node ${token}00`, `Courier-Node ${'a'.repeat(64)}`]) {
      expect(credentialOf(header)).toBeNull();
    }
  });
});
