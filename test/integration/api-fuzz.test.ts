/**
 * Schemathesis fuzzes the API from its own /openapi.json: generated valid and invalid requests
 * on every operation, checking that nothing answers 5xx and every response matches the spec
 * (status codes, content types, headers, bodies). Customer routes are fuzzed with a customer
 * key, admin routes with the admin key. scripts/setup.sh installs the pinned schemathesis.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import type { Agent } from 'undici';
import { createGuardedAgent } from '../../src/net/guarded-agent';
import { createApp } from '../../src/api/app';
import { loadConfig, type Config } from '../../src/config';
import { connectDatabase, type Database } from '../../src/db';
import { ROOT } from '../../src/stack/paths';
import { TEST_DATA_DIR } from '../../src/stack/profiles';
import { adminKeyOf } from '../support/tenants';

const SCHEMATHESIS = process.env.COURIER_SCHEMATHESIS ?? join(homedir(), '.cache', 'courier', 'venv', 'bin', 'schemathesis');
/** Examples per operation: enough to reach every field's edge cases, small enough for CI. */
const MAX_EXAMPLES = Number(process.env.COURIER_FUZZ_EXAMPLES ?? 40);

let config: Config;
let db: Database;
let connection: Connection;
let server: Server;
let dispatcher: Agent;
let url: string;

beforeAll(async () => {
  // Its own task queue (no worker runs the workflows it starts) and no rate limit in the way.
  config = loadConfig({
    ...process.env,
    COURIER_TASK_QUEUE: `fuzz-${Date.now().toString(36)}`,
    COURIER_RATE_LIMIT_PER_SECOND: '100000',
    COURIER_RATE_LIMIT_BURST: '100000',
    COURIER_AUTH_FAILURES_PER_MINUTE: '100000',
    COURIER_QUOTA_FORCED_REFRESHES_PER_MINUTE: '100000',
    COURIER_QUOTA_REDRIVES_PER_MINUTE: '100000',
    COURIER_QUOTA_RELOADS_PER_MINUTE: '100000',
  });
  db = connectDatabase(config.DATABASE_URL);
  connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  dispatcher = createGuardedAgent({ policy: { allowPrivateNetworks: config.COURIER_ALLOW_PRIVATE_NETWORKS }, connections: 4 });
  const app = createApp({ db, temporal, config, logger: pino({ level: 'silent' }), dispatcher });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await dispatcher?.close();
  await connection?.close();
  await db?.close();
});

const adminKey = () => adminKeyOf(config);
const admin = () => ({ authorization: `Bearer ${adminKey()}`, 'content-type': 'application/json' });

async function post<T>(path: string, headers: Record<string, string>, body?: unknown): Promise<T> {
  const res = await fetch(url + path, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** A customer with a key and one registered service, for the generated requests to aim at. */
async function fuzzingCustomer(): Promise<{ customerId: string; key: string; serviceId: string }> {
  const { id: customerId } = await post<{ id: string }>('/v1/admin/customers', admin(), { name: 'fuzz' });
  const { key } = await post<{ key: string }>(`/v1/admin/customers/${customerId}/keys`, admin());
  await post(`/v1/admin/customers/${customerId}/mapping-grants`, admin(), { bucket: 'courier-mappings', prefix: 'fuzz/' });
  const { id: serviceId } = await post<{ id: string }>(
    '/v1/services',
    { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    {
      name: 'fuzzed',
      mapping: { uri: 's3://courier-mappings/fuzz/nodes.txt' },
      metadata: { url: 'http://127.0.0.1:9/metadata' },
      ttlSeconds: 3600,
      delivery: { endpoint: 'http://127.0.0.1:9/nodes/{node}' },
    },
  );
  return { customerId, key, serviceId };
}

function schemathesis(key: string, id: string, filter: string[]): Promise<{ code: number | null; output: string }> {
  const args = [
    '--config-file', join(ROOT, 'test', 'fuzz', 'schemathesis.toml'),
    'run', `${url}/openapi.json`,
    '--header', `Authorization: Bearer ${key}`,
    '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection',
    '--phases', 'examples,coverage,fuzzing',
    '--max-examples', String(MAX_EXAMPLES),
    '--seed', '20261130',
    '--generation-database', 'none',
    // One worker: with two, hypothesis crashed in CPython 3.11's parser (SystemError: AST constructor recursion depth mismatch).
    '--workers', '1',
    '--no-color',
    ...filter,
  ];
  return new Promise((resolve, reject) => {
    // Its caches land in the test scratch folder, not the checkout.
    const child = spawn(SCHEMATHESIS, args, { cwd: TEST_DATA_DIR, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COURIER_FUZZ_ID: id } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) => reject(new Error(`cannot run ${SCHEMATHESIS} (scripts/setup.sh installs it): ${err.message}`)));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** On failure the assertion shows schemathesis's report of what failed and how to reproduce it. */
const failures = (run: { code: number | null; output: string }) => (run.code === 0 ? '' : run.output.slice(-12_000));

describe('the API fuzzed against its own OpenAPI document', () => {
  test('customer and public routes: no 5xx, no response outside the spec', async () => {
    const { key, serviceId } = await fuzzingCustomer();
    const run = await schemathesis(key, serviceId, ['--exclude-path-regex', '^/v1/admin']);
    expect(failures(run)).toBe('');
  }, 600_000);

  test('admin routes: no 5xx, no response outside the spec', async () => {
    const { customerId } = await fuzzingCustomer();
    const run = await schemathesis(adminKey(), customerId, ['--include-path-regex', '^/v1/admin']);
    expect(failures(run)).toBe('');
  }, 600_000);
});
