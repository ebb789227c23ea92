/**
 * What the API test files (test/integration/api/) share: an in-process API on the real
 * PostgreSQL and Temporal with no worker, and the customers, services and nodes they make.
 * `useApiSuite` starts it for the calling file; the bindings below are set once it has.
 */
import type { Prisma } from '@prisma/client';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../../src/config';
import { connectDatabase, type Database } from '../../src/db';
import { nodeHash } from '../../src/domain/sharding';
import { Api, type Reply } from './api';

export let config: Config;
export let db: Database;
export let temporal: Client;
export let api: Api;
let connection: Connection | undefined;
export const ADMIN = () => config.COURIER_ADMIN_KEY ?? '';

/** Registers the file's beforeAll and afterAll; `name` names its task queue (no worker of another file runs its workflows). */
export function useApiSuite(name: string): void {
  beforeAll(async () => {
    config = loadConfig({ ...process.env, COURIER_TASK_QUEUE: `${name}-${Date.now().toString(36)}` });
    db = connectDatabase(config.DATABASE_URL);
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    api = await Api.start({ db, temporal, config });
  });

  afterAll(async () => {
    await api?.stop();
    if (temporal) {
      for await (const wf of temporal.workflow.list({ query: `TaskQueue = '${config.COURIER_TASK_QUEUE}' AND ExecutionStatus = 'Running'` })) {
        await temporal.workflow.getHandle(wf.workflowId).terminate('api test finished').catch(() => undefined);
      }
    }
    await connection?.close();
    await db?.close();
  });
}

export const serviceBody = (name: string, overrides: Record<string, unknown> = {}) => ({
  name,
  mapping: { uri: 's3://courier-mappings/api-test/nodes.txt' },
  metadata: { url: 'http://127.0.0.1:9/metadata?service={service}&node={node}' },
  ttlSeconds: 3600,
  delivery: { endpoint: 'http://{node}:8080/metadata' },
  ...overrides,
});

export const fieldPaths = (reply: Reply): string[] => (reply.body.errors ?? []).map((e: { path: string }) => e.path);

export async function newCustomer(name = 'acme'): Promise<{ id: string; key: string }> {
  const customer = await api.call('POST', '/v1/admin/customers', { key: ADMIN(), body: { name } });
  expect(customer.status).toBe(201);
  const key = await api.call('POST', `/v1/admin/customers/${customer.body.id}/keys`, { key: ADMIN() });
  expect(key.status).toBe(201);
  const grant = await api.call('POST', `/v1/admin/customers/${customer.body.id}/mapping-grants`, { key: ADMIN(), body: { bucket: 'courier-mappings' } });
  expect(grant.status).toBe(201);
  return { id: customer.body.id, key: key.body.key };
}

export async function newService(key: string, name: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const created = await api.call('POST', '/v1/services', { key, body: serviceBody(name, overrides) });
  expect(created.status).toBe(201);
  return created.body.id;
}

/** A service row written straight to the database, as if its registration stopped before the workflow start. */
export function insertServiceRow(customerId: string, name: string, columns: Pick<Prisma.ServiceUncheckedCreateInput, 'status' | 'createdAt'> = {}) {
  return db.prisma.service.create({
    data: {
      customerId,
      name,
      mappingUri: 's3://courier-mappings/x',
      metadataUrl: 'http://127.0.0.1:9/m',
      ttlSeconds: 60,
      refreshBeforeSeconds: 20,
      deliveryEndpoint: 'http://{node}/',
      deliveryTimeoutMs: 1000,
      signingSecret: 'x'.repeat(32),
      ...columns,
    },
  });
}

export async function insertNode(
  serviceId: string,
  nodeId: string,
  columns: { expiresAt?: Date | null; lastError?: string | null; version?: string | null } = {},
): Promise<void> {
  await db.pool.query(
    `INSERT INTO nodes (service_id, node_id, hash, shard, version, delivered_at, expires_at, last_error, attempts, next_due_at)
     VALUES ($1, $2, $3, 0, $4, $5, $6, $7, 1, now())`,
    [serviceId, nodeId, nodeHash(nodeId), columns.version ?? null, columns.expiresAt ? new Date() : null, columns.expiresAt ?? null, columns.lastError ?? null],
  );
}

export const inOneHour = () => new Date(Date.now() + 3600_000);
export const anHourAgo = () => new Date(Date.now() - 3600_000);
