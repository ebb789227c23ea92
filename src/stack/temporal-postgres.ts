import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { Connection } from '@temporalio/client';
import { StackError } from './errors';
import type { Output } from './output';
import { postgresCredentials } from './postgres';
import type { Supervisor } from './processes';
import { runCommand } from './run';
import { checkTemporal, registerSearchAttributes } from './temporal';
import { toolPath } from './tools';
import { freePort, portIsOpen, waitUntil } from './wait';

const NAMESPACE = 'default';
const DATABASES = { store: 'temporal', visibility: 'temporal_visibility' };
const START_TIMEOUT_MS = 120_000;
const RETENTION = '72h';

export interface TemporalOnPostgresOptions {
  supervisor: Supervisor;
  output: Output;
  dataDir: string;
  /** The frontend's port: what Courier's processes connect to. */
  port: number;
  /** The stack's PostgreSQL, which gets Temporal's two databases. */
  postgresPort: number;
  historyShards: number;
  fresh: boolean;
}

/**
 * Temporal as a deployment runs it (COURIER_STACK_TEMPORAL=postgres): the server's four services
 * in one process, persisting to PostgreSQL (a store and a visibility database of their own, set
 * up with temporal-sql-tool from the schemas embedded in it) with several history shards,
 * instead of the dev server's SQLite. Then the namespace and Courier's search attributes.
 */
export async function startTemporalOnPostgres(options: TemporalOnPostgresOptions): Promise<string> {
  const { port, output } = options;
  const address = `127.0.0.1:${port}`;
  if (await portIsOpen(port)) {
    await checkTemporal(address);
    output.info(`temporal: reusing the server on ${address}`);
    return address;
  }
  await prepareDatabases(options);
  const root = join(options.dataDir, 'temporal-server');
  mkdirSync(join(root, 'config'), { recursive: true });
  writeFileSync(join(root, 'config', 'development.yaml'), await serverConfig(options, root));
  writeFileSync(join(root, 'dynamicconfig.yaml'), DYNAMIC_CONFIG);
  const server = options.supervisor.start({
    name: 'temporal',
    command: toolPath('temporal-server'),
    args: ['--root', root, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
  });
  await waitUntil(`the Temporal server on ${address}`, () => frontendAnswers(address), { timeoutMs: START_TIMEOUT_MS, process: server, everyMs: 500 });
  await ensureNamespace(address);
  // A new namespace reaches the server's caches within seconds: retried until it has.
  await waitUntil(`the namespace '${NAMESPACE}' on ${address}`, () => registerSearchAttributes(address, NAMESPACE).then(() => true), {
    timeoutMs: 60_000,
    process: server,
    everyMs: 1000,
  });
  await waitUntil(`Courier's search attributes on ${address}`, () => checkTemporal(address).then(() => true), { timeoutMs: 60_000, process: server, everyMs: 500 });
  output.info(`temporal: ready on ${address} (PostgreSQL persistence, ${options.historyShards} history shards)`);
  return address;
}

/** Each database created on first use and given the schema (dropped first when fresh). */
async function prepareDatabases(options: TemporalOnPostgresOptions): Promise<void> {
  const { user, password } = postgresCredentials();
  const client = new Client({ host: '127.0.0.1', port: options.postgresPort, user, password, database: 'postgres' });
  await client.connect();
  const created: string[] = [];
  try {
    for (const db of Object.values(DATABASES)) {
      if (options.fresh) await client.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (found.rowCount === 0) {
        await client.query(`CREATE DATABASE ${db}`);
        created.push(db);
      }
    }
  } finally {
    await client.end();
  }
  const tool = toolPath('temporal-sql-tool');
  const common = ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(options.postgresPort), '-u', user, '--pw', password];
  for (const [kind, db] of Object.entries(DATABASES)) {
    const schema = `postgresql/v12/${kind === 'store' ? 'temporal' : 'visibility'}`;
    if (created.includes(db)) await runCommand(`temporal-sql-tool setup-schema ${db}`, tool, [...common, '--db', db, 'setup-schema', '-v', '0.0']);
    // Idempotent: brings a database set up by an older server up to this one's schema.
    await runCommand(`temporal-sql-tool update-schema ${db}`, tool, [...common, '--db', db, 'update-schema', '--schema-name', schema]);
  }
}

async function frontendAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

/** The dev server creates its namespace itself; this server starts with none. */
async function ensureNamespace(address: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 5000 });
  try {
    const exists = await connection.workflowService.describeNamespace({ namespace: NAMESPACE }).then(() => true, () => false);
    if (exists) return;
  } finally {
    await connection.close();
  }
  await runCommand('temporal operator namespace create', toolPath('temporal'), [
    'operator', 'namespace', 'create', '--address', address, '--namespace', NAMESPACE, '--retention', RETENTION,
  ]);
}

/** The server's services on free ports of their own, but the frontend on the stack's Temporal port. */
async function serverConfig(options: TemporalOnPostgresOptions, root: string): Promise<string> {
  const { user, password } = postgresCredentials();
  const store = (db: string, maxConns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${db}
        connectAddr: "127.0.0.1:${options.postgresPort}"
        connectProtocol: tcp
        user: ${user}
        password: ${password}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = async (grpcPort: number) => `
    rpc:
      grpcPort: ${grpcPort}
      membershipPort: ${await freeMembershipPort()}
      bindOnLocalHost: true`;
  return `log:
  stdout: true
  level: error
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${options.historyShards}
  datastores:
    default:${store(DATABASES.store, 20)}
    visibility:${store(DATABASES.visibility, 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:${await service(options.port)}
      httpPort: ${await freePort()}
  matching:${await service(await freePort())}
  history:${await service(await freePort())}
  worker:${await service(await freePort())}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:${options.port}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${join(root, 'dynamicconfig.yaml')}
  pollInterval: 10s
`;
}

/** Temporal stores membership ports as smallint: a free port below 32768, not an ephemeral one. */
async function freeMembershipPort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!(await portIsOpen(port))) return port;
  }
  throw new StackError('no free port between 20000 and 32000 for the Temporal server\'s membership');
}

/** What the dev server is started with (temporal.ts), and search attributes usable at once. */
const DYNAMIC_CONFIG = `matching.useNewMatcher:
  - value: true
matching.enableFairness:
  - value: true
matching.numTaskqueueReadPartitions:
  - value: 1
matching.numTaskqueueWritePartitions:
  - value: 1
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
`;
