import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { StackError } from './errors';

export interface RunAs {
  uid?: number;
  gid?: number;
}

const USER = 'postgres';

/**
 * PostgreSQL refuses to run as root: as root, run it as the `postgres` user, created when the
 * machine has none (containers and CI machines usually don't). Anyone else runs it as themselves.
 */
export function postgresRunAs(): RunAs {
  if (process.getuid?.() !== 0) return {};
  if (!userExists()) {
    try {
      execFileSync('groupadd', ['-f', USER], { stdio: 'pipe' });
      execFileSync('useradd', ['--system', '-g', USER, '--no-create-home', USER], { stdio: 'pipe' });
    } catch (err) {
      throw new StackError(`Running as root, PostgreSQL needs a '${USER}' user, and creating it failed: ${(err as Error).message}`);
    }
  }
  return { uid: idOf('-u'), gid: idOf('-g') };
}

/**
 * Where the cluster lives: `<dataDir>/postgres`, unless the `postgres` user cannot reach that
 * folder (a checkout under root's private home): then a folder of our own under the temp dir.
 */
export function clusterDir(dataDir: string, runAs: RunAs): string {
  const wanted = join(resolve(dataDir), 'postgres');
  if (runAs.uid === undefined || reachable(dirname(wanted), runAs)) return wanted;
  const key = createHash('sha256').update(wanted).digest('hex').slice(0, 12);
  return join(tmpdir(), `courier-postgres-${key}`);
}

function reachable(dir: string, runAs: RunAs): boolean {
  for (let d = dir; ; d = dirname(d)) {
    let mode: number, uid: number, gid: number;
    try {
      ({ mode, uid, gid } = statSync(d));
    } catch {
      // Not created yet: we create it (as root, mode 755), so only its ancestors matter.
      if (d === dirname(d)) return true;
      continue;
    }
    const searchable = uid === runAs.uid ? mode & 0o100 : gid === runAs.gid ? mode & 0o010 : mode & 0o001;
    if (!searchable) return false;
    if (d === dirname(d)) return true;
  }
}

function userExists(): boolean {
  try {
    execFileSync('id', ['-u', USER], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
}
