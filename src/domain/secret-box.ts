/**
 * Envelope encryption of the secrets Courier must use in clear (signing and notification secrets):
 * each secret gets a random data key, the secret is sealed with it (AES-256-GCM), and the data key
 * is sealed with the master key from the environment (COURIER_SECRETS_KEY). The stored text names
 * the master key's id, so rotating the master key leaves old rows readable (COURIER_SECRETS_OLD_KEYS)
 * until they are sealed again under the new one.
 *
 * Stored form: `sb1.<kid>.<base64url(iv|tag|wrapped data key)>.<base64url(iv|tag|ciphertext)>`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const FORMAT = 'sb1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface MasterKey {
  /** The first 8 hex digits of the key's SHA-256: names the key without revealing it. */
  kid: string;
  key: Buffer;
}

export interface Keyring {
  /** New secrets are sealed with this one. */
  current: MasterKey;
  /** Read-only: rows sealed before a rotation. */
  byKid: ReadonlyMap<string, MasterKey>;
}

export class SecretBoxError extends Error {}

/** A master key given as 32 bytes in base64 (or base64url) or 64 hex digits. */
export function parseMasterKey(text: string): MasterKey {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES) throw new SecretBoxError(`a secrets key must be ${KEY_BYTES} bytes, as base64 or hex (got ${key.length} bytes)`);
  return { kid: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

/** The current key and the comma-separated old ones. */
export function parseKeyring(current: string, old = ''): Keyring {
  const currentKey = parseMasterKey(current);
  const keys = [currentKey, ...old.split(',').filter((k) => k.trim() !== '').map(parseMasterKey)];
  return { current: currentKey, byKid: new Map(keys.map((k) => [k.kid, k])) };
}

function encrypt(key: Buffer, plaintext: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

function decrypt(key: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('sealed secret is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new SecretBoxError('sealed secret does not open with its key (tampered, or the wrong key under this id)');
  }
}

export function seal(keyring: Keyring, plaintext: string): string {
  const dataKey = randomBytes(KEY_BYTES);
  const { kid, key } = keyring.current;
  const wrapped = encrypt(key, dataKey);
  const body = encrypt(dataKey, Buffer.from(plaintext, 'utf8'));
  return [FORMAT, kid, wrapped.toString('base64url'), body.toString('base64url')].join('.');
}

/** The id of the master key a sealed secret was sealed with, or null when the text is not sealed. */
export function sealedKid(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 4 && parts[0] === FORMAT ? (parts[1] ?? null) : null;
}

export function open(keyring: Keyring, sealed: string): string {
  const [format, kid, wrapped, body] = sealed.split('.');
  if (format !== FORMAT || !kid || wrapped === undefined || body === undefined) throw new SecretBoxError('not a sealed secret');
  const master = keyring.byKid.get(kid);
  if (!master) throw new SecretBoxError(`sealed with key ${kid}, which is neither COURIER_SECRETS_KEY nor in COURIER_SECRETS_OLD_KEYS`);
  const dataKey = decrypt(master.key, Buffer.from(wrapped, 'base64url'));
  return decrypt(dataKey, Buffer.from(body, 'base64url')).toString('utf8');
}
