import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The scope is readable at a glance in logs and secret scanners: ck_ for customers, ak_ for admins. */
const KEY_PREFIX = { customer: 'ck_', admin: 'ak_' } as const;

/** Keys are 256 random bits, so a fast unsalted hash is enough to make the stored form useless. */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export function generateKey(scope: keyof typeof KEY_PREFIX): { key: string; prefix: string; hash: string } {
  const key = KEY_PREFIX[scope] + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, KEY_PREFIX[scope].length + 6), hash: hashKey(key) };
}

/** Compares digests, so neither the length nor any prefix of the admin key leaks through timing. */
export function isAdminKey(given: string, adminKey: string): boolean {
  return timingSafeEqual(Buffer.from(hashKey(given), 'hex'), Buffer.from(hashKey(adminKey), 'hex'));
}
