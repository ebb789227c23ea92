import { randomBytes } from 'node:crypto';
import { open, parseKeyring, parseMasterKey, seal, sealedKid, SecretBoxError } from '../../../src/domain/secret-box';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('hex');

describe('secret box (envelope encryption)', () => {
  it('seals a secret so that the stored text does not contain it, and opens it again', () => {
    const keyring = parseKeyring(keyA);
    const sealed = seal(keyring, 'a-signing-secret-of-at-least-32-characters');
    expect(sealed).not.toContain('signing-secret');
    expect(sealedKid(sealed)).toBe(keyring.current.kid);
    expect(open(keyring, sealed)).toBe('a-signing-secret-of-at-least-32-characters');
    // A fresh data key and IV every time: equal secrets are not equal rows.
    expect(seal(keyring, 'same')).not.toBe(seal(keyring, 'same'));
  });

  it('opens rows of an old key after a rotation, and nothing without the key', () => {
    const before = parseKeyring(keyA);
    const sealed = seal(before, 'secret');
    const rotated = parseKeyring(keyB, keyA);
    expect(open(rotated, sealed)).toBe('secret');
    expect(sealedKid(seal(rotated, 'secret'))).toBe(parseMasterKey(keyB).kid);
    expect(() => open(parseKeyring(keyB), sealed)).toThrow(/neither COURIER_SECRETS_KEY nor in COURIER_SECRETS_OLD_KEYS/);
  });

  it('refuses tampered text', () => {
    const keyring = parseKeyring(keyA);
    const parts = seal(keyring, 'secret').split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[body.length - 1]! ^= 1;
    expect(() => open(keyring, [...parts.slice(0, 3), body.toString('base64url')].join('.'))).toThrow(SecretBoxError);
    expect(() => open(keyring, 'plaintext-secret')).toThrow('not a sealed secret');
    expect(sealedKid('plaintext-secret')).toBeNull();
  });

  it('takes 32-byte keys only', () => {
    expect(() => parseMasterKey('short')).toThrow(/32 bytes/);
    expect(parseMasterKey(keyB).key).toEqual(Buffer.from(keyB, 'hex'));
  });
});
