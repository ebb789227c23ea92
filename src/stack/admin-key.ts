/**
 * The admin key of a local stack: 32 random bytes made once per data directory and kept in
 * `<dataDir>/admin-key` (readable by its owner only), so the dev and test stacks have one
 * without any well-known default. A COURIER_ADMIN_KEY in the environment wins.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const adminKeyFile = (dataDir: string): string => join(dataDir, 'admin-key');

export function stackAdminKey(dataDir: string, env: NodeJS.ProcessEnv): string {
  if (env.COURIER_ADMIN_KEY) return env.COURIER_ADMIN_KEY;
  const file = adminKeyFile(dataDir);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
