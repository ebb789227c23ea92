import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const CUSTOMER_KEY_PREFIX = 'ck_';

/** Keys are 256 random bits, so a fast unsalted hash is enough to make the stored form useless. */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function generateCustomerKey(): { key: string; prefix: string; hash: string } {
  const key = CUSTOMER_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, CUSTOMER_KEY_PREFIX.length + 6), hash: hashKey(key) };
}

/** Compares digests, so neither the length nor any prefix of the admin key leaks through timing. */
export function isAdminKey(given: string, adminKey: string): boolean {
  return timingSafeEqual(Buffer.from(hashKey(given), 'hex'), Buffer.from(hashKey(adminKey), 'hex'));
}
