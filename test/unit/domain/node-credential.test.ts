import { createHmac } from 'node:crypto';
import { credentialOf, nodeAuthorization, nodeCredential, verifyNodeCredential } from '../../../src/domain/node-credential';

const SECRET = 'a-signing-secret-of-at-least-32-characters';
const SERVICE = '3f1c2a7e-0000-4000-8000-000000000001';

describe('node credentials', () => {
  it('is the hex HMAC-SHA256 of "pull:<serviceId>:<nodeId>" with the signing secret', () => {
    const expected = createHmac('sha256', SECRET).update(`pull:${SERVICE}:node-1`).digest('hex');
    expect(nodeCredential(SECRET, SERVICE, 'node-1')).toBe(expected);
    expect(nodeAuthorization(SECRET, SERVICE, 'node-1')).toBe(`Courier-Node ${expected}`);
  });

  it('opens one node of one service, with one secret', () => {
    const credential = nodeCredential(SECRET, SERVICE, 'node-1');
    expect(verifyNodeCredential(SECRET, SERVICE, 'node-1', credential)).toBe(true);
    expect(verifyNodeCredential(SECRET, SERVICE, 'node-2', credential)).toBe(false);
    expect(verifyNodeCredential(SECRET, '3f1c2a7e-0000-4000-8000-000000000002', 'node-1', credential)).toBe(false);
    expect(verifyNodeCredential(`${SECRET}x`, SERVICE, 'node-1', credential)).toBe(false);
    expect(verifyNodeCredential(SECRET, SERVICE, 'node-1', credential.slice(1))).toBe(false);
    expect(verifyNodeCredential(SECRET, SERVICE, 'node-1', '')).toBe(false);
  });

  it('reads the credential from a Courier-Node Authorization header only', () => {
    const credential = nodeCredential(SECRET, SERVICE, 'node-1');
    expect(credentialOf(`Courier-Node ${credential}`)).toBe(credential);
    expect(credentialOf(`courier-node ${credential.toUpperCase()}`)).toBe(credential);
    for (const header of [undefined, '', `Bearer ${credential}`, 'Courier-Node', `Courier-Node ${credential}00`, 'Courier-Node xyz']) {
      expect(credentialOf(header)).toBeNull();
    }
  });
});
