/**
 * Contract 1 against a real PostgreSQL and Temporal, with no worker: everything the API decides
 * itself — auth, validation, tenancy, registration, pagination, status fallback — and the
 * workflow starts and signals it sends. Deliveries through workflows are the engine tests' part.
 */
import { createHash } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { apiRoutes } from '../../src/api/routes';
import { reconcileProvisioning } from '../../src/api/services/provisioning';
import { loadConfig, secretsKeyring, type Config } from '../../src/config';
import { connectDatabase, type Database } from '../../src/db';
import { nodeAuthorization, pullToken } from '../../src/domain/node-credential';
import { open, parseKeyring } from '../../src/domain/secret-box';
import { nodeHash } from '../../src/domain/sharding';
import { customerIdKey, serviceIdKey } from '../../src/workflows/search-attributes';
import { serviceWorkflowId } from '../../src/workflows/service/definitions';
import { Api, type Reply } from '../support/api';

const silent = pino({ level: 'silent' });

const serviceBody = (name: string, overrides: Record<string, unknown> = {}) => ({
  name,
  mapping: { uri: 's3://courier-mappings/api-test/nodes.txt' },
  metadata: { url: 'http://127.0.0.1:9/metadata?service={service}&node={node}' },
  ttlSeconds: 3600,
  delivery: { endpoint: 'http://{node}:8080/metadata' },
  ...overrides,
});

const fieldPaths = (reply: Reply): string[] => (reply.body.errors ?? []).map((e: { path: string }) => e.path);

let config: Config;
let db: Database;
let connection: Connection;
let temporal: Client;
let api: Api;
const ADMIN = () => config.COURIER_ADMIN_KEY ?? '';

beforeAll(async () => {
  // A task queue of its own: no worker of another test file runs the workflows started here.
  config = loadConfig({ ...process.env, COURIER_TASK_QUEUE: `api-test-${Date.now().toString(36)}` });
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

async function newCustomer(name = 'acme'): Promise<{ id: string; key: string }> {
  const customer = await api.call('POST', '/v1/admin/customers', { key: ADMIN(), body: { name } });
  expect(customer.status).toBe(201);
  const key = await api.call('POST', `/v1/admin/customers/${customer.body.id}/keys`, { key: ADMIN() });
  expect(key.status).toBe(201);
  const grant = await api.call('POST', `/v1/admin/customers/${customer.body.id}/mapping-grants`, { key: ADMIN(), body: { bucket: 'courier-mappings' } });
  expect(grant.status).toBe(201);
  return { id: customer.body.id, key: key.body.key };
}

async function newService(key: string, name: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const created = await api.call('POST', '/v1/services', { key, body: serviceBody(name, overrides) });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function insertNode(
  serviceId: string,
  nodeId: string,
  columns: { expiresAt?: Date | null; lastError?: string | null; version?: string | null } = {},
): Promise<void> {
  await db.pool.query(
    `INSERT INTO nodes (service_id, node_id, hash, shard, version, delivered_at, expires_at, last_error, attempts, next_attempt_at)
     VALUES ($1, $2, $3, 0, $4, $5, $6, $7, 1, now())`,
    [serviceId, nodeId, nodeHash(nodeId), columns.version ?? null, columns.expiresAt ? new Date() : null, columns.expiresAt ?? null, columns.lastError ?? null],
  );
}

const inOneHour = () => new Date(Date.now() + 3600_000);
const anHourAgo = () => new Date(Date.now() - 3600_000);

describe('admin routes and authentication', () => {
  test('the admin key creates a customer and a key that is stored only as a hash', async () => {
    const customer = await api.call('POST', '/v1/admin/customers', { key: ADMIN(), body: { name: 'Initech' } });
    expect(customer.status).toBe(201);
    expect(customer.body).toEqual({ id: expect.any(String), name: 'Initech' });

    const created = await api.call('POST', `/v1/admin/customers/${customer.body.id}/keys`, { key: ADMIN() });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^ck_[A-Za-z0-9_-]{43}$/);
    const row = await db.prisma.apiKey.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row.hash).toBe(createHash('sha256').update(created.body.key).digest('hex'));
    expect(created.body.key.startsWith(row.prefix)).toBe(true);
    expect(row.scope).toBe('customer');

    const list = await api.call('GET', '/v1/services', { key: created.body.key });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [], nextCursor: null });
  });

  test('admins list customers and keys, revoke keys, and create admin keys', async () => {
    const { id, key } = await newCustomer('Hooli');
    const second = await api.call('POST', `/v1/admin/customers/${id}/keys`, { key: ADMIN() });

    const keys = await api.call('GET', `/v1/admin/customers/${id}/keys`, { key: ADMIN() });
    expect(keys.status).toBe(200);
    expect(keys.body.items).toHaveLength(2);
    expect(keys.body.items[0]).toEqual({
      id: expect.any(String),
      scope: 'customer',
      customerId: id,
      prefix: key.slice(0, 9),
      createdAt: expect.any(String),
      revokedAt: null,
    });
    expect(JSON.stringify(keys.body)).not.toContain(key);

    const customers: string[] = [];
    for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages++) {
      const r: Reply = await api.call('GET', `/v1/admin/customers?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: ADMIN() });
      expect(r.status).toBe(200);
      customers.push(...r.body.items.map((c: { id: string }) => c.id));
      cursor = r.body.nextCursor;
    }
    expect(customers).toContain(id);
    expect(new Set(customers).size).toBe(customers.length);

    const revoked = await api.call('DELETE', `/v1/admin/keys/${keys.body.items[0].id}`, { key: ADMIN() });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect((await api.call('DELETE', `/v1/admin/keys/${keys.body.items[0].id}`, { key: ADMIN() })).body).toEqual(revoked.body);
    expect((await api.call('GET', '/v1/services', { key })).status).toBe(401);
    expect((await api.call('GET', '/v1/services', { key: second.body.key })).status).toBe(200);
    expect((await api.call('DELETE', '/v1/admin/keys/00000000-0000-4000-8000-000000000000', { key: ADMIN() })).status).toBe(404);

    const admin = await api.call('POST', '/v1/admin/keys', { key: ADMIN() });
    expect(admin.status).toBe(201);
    expect(admin.body.key).toMatch(/^ak_/);
    expect((await api.call('GET', `/v1/admin/customers/${id}/keys`, { key: admin.body.key })).status).toBe(200);
    expect((await api.call('GET', '/v1/services', { key: admin.body.key })).status).toBe(403);
  });

  test('keys for an unknown customer are 404', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const r = await api.call('POST', `/v1/admin/customers/${id}/keys`, { key: ADMIN() });
      expect(r.status).toBe(404);
    }
  });

  test('missing, malformed, unknown and revoked keys are 401 problems', async () => {
    const { key } = await newCustomer();
    const revoked = await newCustomer();
    await db.prisma.apiKey.updateMany({ where: { customerId: revoked.id }, data: { revokedAt: new Date() } });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic Zm9vOmJhcg==' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer ck_unknown' },
      { authorization: `Bearer ${revoked.key}` },
      { authorization: `Bearer ${key}x` },
    ];
    for (const headers of attempts) {
      const r = await api.call('GET', '/v1/services', { headers });
      expect(r.status).toBe(401);
      expect(r.type).toContain('application/problem+json');
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect(r.body).toMatchObject({ status: 401, title: 'Unauthorized', type: expect.any(String), detail: expect.any(String) });
    }
  });

  test('a customer key cannot use admin routes, the admin key cannot use service routes', async () => {
    const { id, key } = await newCustomer();
    expect((await api.call('POST', '/v1/admin/customers', { key, body: { name: 'x' } })).status).toBe(403);
    expect((await api.call('POST', `/v1/admin/customers/${id}/keys`, { key })).status).toBe(403);
    const r = await api.call('GET', '/v1/services', { key: ADMIN() });
    expect(r.status).toBe(403);
    expect(r.type).toContain('application/problem+json');
  });
});

describe('validation and error shape', () => {
  let key: string;
  beforeAll(async () => {
    ({ key } = await newCustomer());
  });

  test('every bad field is reported with its path, unknown fields included', async () => {
    const r = await api.call('POST', '/v1/services', {
      key,
      body: {
        name: 'Bad Name',
        mapping: { uri: 'https://example.com/nodes', format: 'xml', extra: true },
        metadata: { url: 'ftp://meta/{node}' },
        ttlSeconds: 5,
        delivery: { endpoint: 'http://{host}:8080/', timeoutMs: 50 },
        notifications: { email: 'not-an-email' },
        signingSecret: 'short',
        colour: 'blue',
      },
    });
    expect(r.status).toBe(400);
    expect(r.type).toContain('application/problem+json');
    expect(r.body).toMatchObject({ status: 400, title: 'Invalid request', type: expect.any(String), detail: expect.any(String) });
    expect(fieldPaths(r).sort()).toEqual(
      [
        'colour',
        'delivery.endpoint',
        'delivery.timeoutMs',
        'mapping.extra',
        'mapping.format',
        'mapping.uri',
        'metadata.url',
        'name',
        'notifications.email',
        'signingSecret',
        'ttlSeconds',
      ].sort(),
    );
    const byPath = Object.fromEntries(r.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]));
    expect(byPath.colour).toBe('is not a known field');
    expect(byPath['mapping.uri']).toBe('must be an s3://bucket/key URI');
    expect(byPath['delivery.endpoint']).toBe('only the {service} and {node} placeholders are supported');
    expect(r.body.errors.every((e: { in: string }) => e.in === 'body')).toBe(true);
  });

  test('missing fields say they are required; refreshBeforeSeconds must be below the TTL', async () => {
    const missing = await api.call('POST', '/v1/services', { key, body: { name: 'svc' } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual(
      expect.arrayContaining([
        { in: 'body', path: 'mapping', message: 'is required' },
        { in: 'body', path: 'ttlSeconds', message: 'is required' },
      ]),
    );
    const lead = await api.call('POST', '/v1/services', { key, body: serviceBody('svc', { ttlSeconds: 60, refreshBeforeSeconds: 60 }) });
    expect(lead.status).toBe(400);
    expect(lead.body.errors).toEqual([{ in: 'body', path: 'refreshBeforeSeconds', message: 'must be less than ttlSeconds' }]);
  });

  test('malformed JSON, a missing body, a non-JSON body and an oversized body are 4xx problems', async () => {
    const malformed = await api.call('POST', '/v1/services', { key, raw: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.type).toContain('application/problem+json');
    expect(malformed.body.title).toBe('Malformed JSON');

    const stranger = await api.call('POST', '/v1/services', { raw: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(stranger.status).toBe(401);

    const none = await api.call('POST', '/v1/services', { key });
    expect(none.status).toBe(400);
    expect(none.body.errors).toEqual([{ in: 'body', path: '', message: 'a JSON body is required' }]);

    const text = await api.call('POST', '/v1/services', { key, raw: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);

    const huge = await api.call('POST', '/v1/services', { key, body: serviceBody('huge', { padding: 'x'.repeat(300_000) }) });
    expect(huge.status).toBe(413);
    expect(huge.type).toContain('application/problem+json');
  });

  test('unknown routes and bad query parameters are problems', async () => {
    const unknown = await api.call('GET', '/v1/nothing-here', { key });
    expect(unknown.status).toBe(404);
    expect(unknown.type).toContain('application/problem+json');
    const limit = await api.call('GET', '/v1/services?limit=0', { key });
    expect(limit.status).toBe(400);
    expect(limit.body.errors).toEqual([{ in: 'query', path: 'limit', message: 'must be an integer from 1 to 100' }]);
    const extra = await api.call('GET', '/v1/services?sort=name', { key });
    expect(fieldPaths(extra)).toEqual(['sort']);
    const cursor = await api.call('GET', '/v1/services?cursor=garbage', { key });
    expect(cursor.status).toBe(400);
    expect(fieldPaths(cursor)).toEqual(['cursor']);
  });
});

describe('registration', () => {
  let customer: { id: string; key: string };
  beforeAll(async () => {
    customer = await newCustomer();
  });

  test('creating a service writes an active row and starts its workflow with search attributes', async () => {
    const r = await api.call('POST', '/v1/services', { key: customer.key, body: serviceBody('payments-api') });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.any(String),
      name: 'payments-api',
      status: 'active',
      signingSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      notificationSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      links: { self: `/v1/services/${r.body.id}`, nodes: `/v1/services/${r.body.id}/nodes` },
    });
    expect(r.headers.get('location')).toBe(`/v1/services/${r.body.id}`);

    const row = await db.prisma.service.findUniqueOrThrow({ where: { id: r.body.id } });
    expect(row).toMatchObject({
      status: 'active',
      customerId: customer.id,
      signingSecret: null,
      refreshBeforeSeconds: 1200,
      deliveryTimeoutMs: 5000,
      mappingFormat: 'auto',
    });

    // Both secrets are stored sealed, and open to what the customer was shown.
    expect(open(secretsKeyring(config), row.signingSecretSealed!)).toBe(r.body.signingSecret);
    expect(open(secretsKeyring(config), row.notificationSecretSealed!)).toBe(r.body.notificationSecret);

    const description = await temporal.workflow.getHandle(serviceWorkflowId(r.body.id)).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.taskQueue).toBe(config.COURIER_TASK_QUEUE);
    expect(description.typedSearchAttributes.get(serviceIdKey)).toBe(r.body.id);
    expect(description.typedSearchAttributes.get(customerIdKey)).toBe(customer.id);
  });

  test('a supplied signing secret is kept and never shown again', async () => {
    const signingSecret = 's'.repeat(40);
    const r = await api.call('POST', '/v1/services', { key: customer.key, body: serviceBody('own-secret', { signingSecret }) });
    expect(r.body.signingSecret).toBe(signingSecret);
    const got = await api.call('GET', `/v1/services/${r.body.id}`, { key: customer.key });
    expect(JSON.stringify(got.body)).not.toContain(signingSecret);
    const list = await api.call('GET', '/v1/services', { key: customer.key });
    expect(JSON.stringify(list.body)).not.toContain(signingSecret);
  });

  test('a second service with the same name is a 409; another customer may use the name', async () => {
    await newService(customer.key, 'dup');
    const again = await api.call('POST', '/v1/services', { key: customer.key, body: serviceBody('dup') });
    expect(again.status).toBe(409);
    expect(again.type).toContain('application/problem+json');
    const other = await newCustomer('other');
    expect((await api.call('POST', '/v1/services', { key: other.key, body: serviceBody('dup') })).status).toBe(201);
  });

  test('Idempotency-Key replays the first response and refuses a different body', async () => {
    const headers = { 'idempotency-key': `create-${Date.now()}` };
    const first = await api.call('POST', '/v1/services', { key: customer.key, headers, body: serviceBody('idem') });
    expect(first.status).toBe(201);
    // Same request, fields in another order: the same request.
    const { name, ...rest } = serviceBody('idem');
    const replay = await api.call('POST', '/v1/services', { key: customer.key, headers, body: { ...rest, name } });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await db.prisma.service.count({ where: { customerId: customer.id, name: 'idem' } })).toBe(1);

    const mismatch = await api.call('POST', '/v1/services', { key: customer.key, headers, body: serviceBody('idem-2') });
    expect(mismatch.status).toBe(422);
    expect(mismatch.type).toContain('application/problem+json');

    // Keys are per customer: another customer's identical key is a new request.
    const other = await newCustomer('other');
    expect((await api.call('POST', '/v1/services', { key: other.key, headers, body: serviceBody('idem') })).status).toBe(201);
  });

  test('a failed validation is not stored under its Idempotency-Key', async () => {
    const headers = { 'idempotency-key': `fix-${Date.now()}` };
    expect((await api.call('POST', '/v1/services', { key: customer.key, headers, body: { name: 'fixed' } })).status).toBe(400);
    expect((await api.call('POST', '/v1/services', { key: customer.key, headers, body: serviceBody('fixed') })).status).toBe(201);
  });

  test('when Temporal refuses the start, nothing is registered', async () => {
    const broken = new Client({ connection, namespace: `no-such-namespace-${Date.now()}` });
    const brokenApi = await Api.start({ db, temporal: broken, config });
    try {
      const r = await brokenApi.call('POST', '/v1/services', { key: customer.key, body: serviceBody('orphan') });
      expect(r.status).toBe(503);
      expect(r.type).toContain('application/problem+json');
      expect(r.headers.get('retry-after')).toBeTruthy();
      expect(await db.prisma.service.count({ where: { customerId: customer.id, name: 'orphan' } })).toBe(0);
    } finally {
      await brokenApi.stop();
    }
    // The name is free: the client's retry succeeds.
    expect((await api.call('POST', '/v1/services', { key: customer.key, body: serviceBody('orphan') })).status).toBe(201);
  });

  test('the reconciler starts workflows for registrations interrupted after the insert', async () => {
    const row = await db.prisma.service.create({
      data: {
        customerId: customer.id,
        name: 'interrupted',
        status: 'provisioning',
        mappingUri: 's3://courier-mappings/x',
        metadataUrl: 'http://127.0.0.1:9/m',
        ttlSeconds: 60,
        refreshBeforeSeconds: 20,
        deliveryEndpoint: 'http://{node}/',
        deliveryTimeoutMs: 1000,
        signingSecret: 'x'.repeat(32),
        createdAt: new Date(Date.now() - 60_000),
      },
    });
    // Visible meanwhile, as provisioning, with status from the database.
    const during = await api.call('GET', `/v1/services/${row.id}`, { key: customer.key });
    expect(during.body).toMatchObject({ status: 'provisioning', state: 'loading' });

    await reconcileProvisioning({ db, temporal, config, logger: silent });
    expect((await db.prisma.service.findUniqueOrThrow({ where: { id: row.id } })).status).toBe('active');
    const description = await temporal.workflow.getHandle(serviceWorkflowId(row.id)).describe();
    expect(description.status.name).toBe('RUNNING');
  });
});

describe('network safety at registration', () => {
  let strict: Api;
  let key: string;

  beforeAll(async () => {
    // A deployment that does not allow private networks, unlike the test stack's default.
    strict = await Api.start({ db, temporal, config: { ...config, COURIER_ALLOW_PRIVATE_NETWORKS: false } });
    ({ key } = await newCustomer('strict'));
  });
  afterAll(() => strict?.stop());

  test.each([
    ['metadata.url', { metadata: { url: 'http://169.254.169.254/latest/meta-data/iam' } }, /metadata address/],
    ['metadata.url', { metadata: { url: 'http://metadata.google.internal/computeMetadata/v1/' } }, /cloud metadata service/],
    ['metadata.url', { metadata: { url: 'http://127.0.0.1:9102/metadata' } }, /does not allow private networks/],
    ['delivery.endpoint', { delivery: { endpoint: 'http://10.0.0.5/{node}' } }, /does not allow private networks/],
    ['delivery.endpoint', { delivery: { endpoint: 'http://localhost:9101/nodes/{node}/metadata' } }, /loopback/],
    [
      'delivery.secondaryEndpoint',
      { delivery: { endpoint: 'https://{node}.nodes.example.com/metadata', secondaryEndpoint: 'http://169.254.169.254/{node}' } },
      /metadata address/,
    ],
    ['notifications.webhookUrl', { notifications: { webhookUrl: 'http://[::ffff:a9fe:a9fe]/hook' } }, /metadata address/],
    ['mapping.uri', { mapping: { uri: 's3://someone-elses-bucket/nodes.csv' } }, /not one this deployment reads/],
  ])('%s is refused (case %#)', async (path, overrides, message) => {
    const body = serviceBody(`refused-${Math.random().toString(36).slice(2, 8)}`, {
      metadata: { url: 'https://source.example.com/metadata' },
      delivery: { endpoint: 'https://{node}.nodes.example.com/metadata' },
      ...overrides,
    });
    const r = await strict.call('POST', '/v1/services', { key, body });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ in: 'body', path, message: expect.stringMatching(message) }]);
  });

  test('public URLs register, and a PATCH to a refused one is checked the same way', async () => {
    const created = await strict.call('POST', '/v1/services', {
      key,
      body: serviceBody('public-targets', {
        metadata: { url: 'https://source.example.com/metadata' },
        delivery: { endpoint: 'https://{node}.nodes.example.com/metadata' },
      }),
    });
    expect(created.status).toBe(201);
    const patched = await strict.call('PATCH', `/v1/services/${created.body.id}`, { key, body: { metadata: { url: 'http://192.168.1.10/m' } } });
    expect(patched.status).toBe(400);
    expect(fieldPaths(patched)).toEqual(['metadata.url']);
    const forced = await strict.call('POST', `/v1/services/${created.body.id}/nodes/n1/refresh`, {
      key,
      body: { endpoint: 'http://169.254.169.254/latest/' },
    });
    expect(forced.status).toBe(400);
    expect(fieldPaths(forced)).toEqual(['endpoint']);
  });
});

describe('reading services', () => {
  test('GET shows the registration and, with no worker to answer, live status from the database', async () => {
    const { key } = await newCustomer();
    const id = await newService(key, 'status-svc', { notifications: { email: 'ops@example.com' } });
    await db.prisma.service.update({
      where: { id },
      data: { mappingEtag: '"abc"', mappingNodeCount: 3, mappingLoadedAt: new Date(), mappingBadRows: 1 },
    });
    await insertNode(id, 'fresh-1', { expiresAt: inOneHour(), version: 'v1' });
    await insertNode(id, 'failing-1', { expiresAt: inOneHour(), lastError: 'HTTP 500' });
    await insertNode(id, 'pending-1');

    const r = await api.call('GET', `/v1/services/${id}`, { key });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id,
      name: 'status-svc',
      status: 'active',
      mapping: { uri: 's3://courier-mappings/api-test/nodes.txt', format: 'auto', etag: '"abc"', nodeCount: 3, badRows: 1, error: null, held: null },
      metadata: { url: 'http://127.0.0.1:9/metadata?service={service}&node={node}' },
      ttlSeconds: 3600,
      refreshBeforeSeconds: 1200,
      delivery: { endpoint: 'http://{node}:8080/metadata', secondaryEndpoint: null, timeoutMs: 5000 },
      notifications: { email: 'ops@example.com' },
      state: 'active',
      nodes: { total: 3, fresh: 1, pending: 1, failing: 1, expired: 0 },
      nextRefreshAt: expect.any(String),
    });
    expect(r.body).not.toHaveProperty('signingSecret');
  });

  test('the list pages through every visible service once, oldest first', async () => {
    const { key } = await newCustomer();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await newService(key, `page-${i}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const r = await api.call('GET', `/v1/services${query}`, { key });
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((s: { id: string }) => s.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });
});

describe('changing and deleting services', () => {
  let key: string;
  beforeAll(async () => {
    ({ key } = await newCustomer());
  });

  test('PATCH refuses the name, unknown fields and an invalid merged registration', async () => {
    const id = await newService(key, 'patch-bad', { ttlSeconds: 600 });
    const name = await api.call('PATCH', `/v1/services/${id}`, { key, body: { name: 'renamed' } });
    expect(name.status).toBe(400);
    expect(name.body.errors).toEqual([{ in: 'body', path: 'name', message: 'cannot be changed; register a new service under the new name' }]);
    const unknown = await api.call('PATCH', `/v1/services/${id}`, { key, body: { mapping: { bucket: 'x' } } });
    expect(fieldPaths(unknown)).toEqual(['mapping.bucket']);
    // Valid alone, invalid against the stored TTL.
    const lead = await api.call('PATCH', `/v1/services/${id}`, { key, body: { refreshBeforeSeconds: 600 } });
    expect(lead.status).toBe(400);
    expect(fieldPaths(lead)).toEqual(['refreshBeforeSeconds']);
    const shorter = await api.call('PATCH', `/v1/services/${id}`, { key, body: { ttlSeconds: 100 } });
    expect(fieldPaths(shorter)).toEqual(['refreshBeforeSeconds']);
  });

  test('PATCH merges, signals the workflow, and reschedules acked nodes for a new lead time', async () => {
    const id = await newService(key, 'patch-ok', { notifications: { email: 'ops@example.com' } });
    const expiresAt = inOneHour();
    await insertNode(id, 'acked', { expiresAt, version: 'v1' });
    await insertNode(id, 'failing', { expiresAt, lastError: 'timeout' });
    const before = await db.prisma.node.findUniqueOrThrow({ where: { serviceId_nodeId: { serviceId: id, nodeId: 'failing' } } });

    const r = await api.call('PATCH', `/v1/services/${id}`, {
      key,
      body: { mapping: { format: 'csv' }, refreshBeforeSeconds: 900, delivery: { timeoutMs: 2000 }, notifications: null },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      mapping: { uri: 's3://courier-mappings/api-test/nodes.txt', format: 'csv' },
      refreshBeforeSeconds: 900,
      delivery: { endpoint: 'http://{node}:8080/metadata', timeoutMs: 2000 },
      notifications: null,
    });

    const acked = await db.prisma.node.findUniqueOrThrow({ where: { serviceId_nodeId: { serviceId: id, nodeId: 'acked' } } });
    expect(acked.nextAttemptAt.getTime()).toBe(expiresAt.getTime() - 900_000);
    const failing = await db.prisma.node.findUniqueOrThrow({ where: { serviceId_nodeId: { serviceId: id, nodeId: 'failing' } } });
    expect(failing.nextAttemptAt).toEqual(before.nextAttemptAt);

    const history = await temporal.workflow.getHandle(serviceWorkflowId(id)).fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual(['serviceChanged']);
  });

  test('DELETE hides the service at once and asks its workflow to deregister', async () => {
    const id = await newService(key, 'doomed');
    const r = await api.call('DELETE', `/v1/services/${id}`, { key });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ id, status: 'deleting' });
    expect((await api.call('GET', `/v1/services/${id}`, { key })).status).toBe(404);
    expect((await api.call('DELETE', `/v1/services/${id}`, { key })).status).toBe(404);
    const list = await api.call('GET', '/v1/services?limit=100', { key });
    expect(list.body.items.map((s: { id: string }) => s.id)).not.toContain(id);
    expect((await db.prisma.service.findUniqueOrThrow({ where: { id } })).status).toBe('deleting');
    const history = await temporal.workflow.getHandle(serviceWorkflowId(id)).fetchHistory();
    const signals = (history.events ?? []).map((e) => e.workflowExecutionSignaledEventAttributes?.signalName).filter(Boolean);
    expect(signals).toEqual(['deregister']);
  });

  test('DELETE of a service whose workflow never started removes the row directly', async () => {
    const customerId = (await db.prisma.apiKey.findFirstOrThrow({ where: { hash: createHash('sha256').update(key).digest('hex') } })).customerId!;
    const row = await db.prisma.service.create({
      data: {
        customerId,
        name: 'never-started',
        mappingUri: 's3://courier-mappings/x',
        metadataUrl: 'http://127.0.0.1:9/m',
        ttlSeconds: 60,
        refreshBeforeSeconds: 20,
        deliveryEndpoint: 'http://{node}/',
        deliveryTimeoutMs: 1000,
        signingSecret: 'x'.repeat(32),
      },
    });
    expect((await api.call('DELETE', `/v1/services/${row.id}`, { key })).status).toBe(202);
    expect(await db.prisma.service.findUnique({ where: { id: row.id } })).toBeNull();
  });

  test('refresh-all and mapping reload signal the running workflow', async () => {
    const id = await newService(key, 'signals');
    const refresh = await api.call('POST', `/v1/services/${id}/refresh`, { key });
    expect(refresh.status).toBe(202);
    expect(refresh.body).toEqual({ id, action: 'refresh', links: { status: `/v1/services/${id}` } });
    const reload = await api.call('POST', `/v1/services/${id}/mapping/reload`, { key });
    expect(reload.status).toBe(202);
    const history = await temporal.workflow.getHandle(serviceWorkflowId(id)).fetchHistory();
    const signals = (history.events ?? []).map((e) => e.workflowExecutionSignaledEventAttributes?.signalName).filter(Boolean);
    expect(signals).toEqual(['refreshAll', 'reloadMapping']);
  });
});

describe('nodes', () => {
  let key: string;
  let id: string;
  beforeAll(async () => {
    ({ key } = await newCustomer());
    id = await newService(key, 'fleet');
    await insertNode(id, 'a-fresh', { expiresAt: inOneHour(), version: 'v1' });
    await insertNode(id, 'b-failing', { expiresAt: inOneHour(), lastError: 'HTTP 503' });
    await insertNode(id, 'c-expired', { expiresAt: anHourAgo(), version: 'v0' });
    await insertNode(id, 'd-pending');
    await insertNode(id, 'e-failing', { lastError: 'connection refused' });
    await insertNode(id, 'host.example:1');
  });

  test('one node, with its state derived from its delivery columns', async () => {
    const r = await api.call('GET', `/v1/services/${id}/nodes/b-failing`, { key });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      nodeId: 'b-failing',
      state: 'failing',
      version: null,
      deliveredAt: expect.any(String),
      expiresAt: expect.any(String),
      attempts: 1,
      lastError: 'HTTP 503',
      endpoint: null,
      shard: 0,
      alert: null,
      alertSince: null,
    });
    expect((await api.call('GET', `/v1/services/${id}/nodes/host.example:1`, { key })).body.state).toBe('pending');
    expect((await api.call('GET', `/v1/services/${id}/nodes/c-expired`, { key })).body.state).toBe('expired');
    expect((await api.call('GET', `/v1/services/${id}/nodes/nope`, { key })).status).toBe(404);
    const bad = await api.call('GET', `/v1/services/${id}/nodes/${encodeURIComponent('bad id')}`, { key });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ in: 'path', path: 'nodeId', message: expect.any(String) }]);
  });

  test('the list filters by state and pages by node id', async () => {
    const failing = await api.call('GET', `/v1/services/${id}/nodes?state=failing`, { key });
    expect(failing.body.items.map((n: { nodeId: string }) => n.nodeId)).toEqual(['b-failing', 'e-failing']);
    expect(failing.body.nextCursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=4&cursor=${cursor}` : '?limit=4';
      const r = await api.call('GET', `/v1/services/${id}/nodes${query}`, { key });
      seen.push(...r.body.items.map((n: { nodeId: string }) => n.nodeId));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['a-fresh', 'b-failing', 'c-expired', 'd-pending', 'e-failing', 'host.example:1']);

    const bad = await api.call('GET', `/v1/services/${id}/nodes?state=sleepy`, { key });
    expect(bad.status).toBe(400);
    expect(fieldPaths(bad)).toEqual(['state']);
  });

  test('a forced refresh validates its node id and body', async () => {
    const bad = await api.call('POST', `/v1/services/${id}/nodes/${encodeURIComponent('no spaces')}/refresh`, { key });
    expect(bad.status).toBe(400);
    expect(fieldPaths(bad)).toEqual(['nodeId']);
    const endpoint = await api.call('POST', `/v1/services/${id}/nodes/n1/refresh`, { key, body: { endpoint: 'file:///etc/passwd' } });
    expect(endpoint.status).toBe(400);
    expect(fieldPaths(endpoint)).toEqual(['endpoint']);
    const extra = await api.call('POST', `/v1/services/${id}/nodes/n1/refresh`, { key, body: { version: 'v9' } });
    expect(fieldPaths(extra)).toEqual(['version']);
  });

  test('a forced refresh before the shard workflow exists is a 503 with Retry-After', async () => {
    // No worker runs here, so the service workflow never starts its shards.
    const r = await api.call('POST', `/v1/services/${id}/nodes/a-fresh/refresh`, { key });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('2');
  });

  test('breached lists the expired nodes: the dead letters with failing ones', async () => {
    const breached = await api.call('GET', `/v1/services/${id}/nodes?state=breached`, { key });
    expect(breached.status).toBe(200);
    expect(breached.body.items.map((n: { nodeId: string }) => n.nodeId)).toEqual(['c-expired']);
  });

  test('redrive makes failing and expired nodes due now with a fresh backoff, named ones or all', async () => {
    const redrive = (body?: unknown, headers?: Record<string, string>) => api.call('POST', `/v1/services/${id}/nodes/redrive`, { key, body, headers });
    expect(fieldPaths(await redrive({ nodeIds: [] }))).toEqual(['nodeIds']);
    expect(fieldPaths(await redrive({ nodeIds: Array.from({ length: 1001 }, (_, i) => `n-${i}`) }))).toEqual(['nodeIds']);
    expect(fieldPaths(await redrive({ nodeIds: ['bad id'] }))).toEqual(['nodeIds[0]']);

    // Every node sleeping through a long backoff.
    await db.pool.query(`UPDATE nodes SET next_attempt_at = now() + interval '1 hour', attempts = 7 WHERE service_id = $1`, [id]);
    const due = async () =>
      (
        await db.pool.query<{ node_id: string }>(
          `SELECT node_id FROM nodes WHERE service_id = $1 AND next_attempt_at <= now() AND attempts = 0 ORDER BY node_id`,
          [id],
        )
      ).rows.map((r) => r.node_id);

    const named = await redrive({ nodeIds: ['b-failing', 'a-fresh', 'unknown'] }, { 'idempotency-key': `redrive-${Date.now()}` });
    expect({ status: named.status, body: named.body }).toEqual({ status: 202, body: { redriven: 1 } });
    expect(await due()).toEqual(['b-failing']);

    const all = await redrive();
    expect(all.body).toEqual({ redriven: 3 });
    expect(await due()).toEqual(['b-failing', 'c-expired', 'e-failing']);
  });
});

describe('notifications', () => {
  const base = Date.parse('2030-01-01T00:00:00.000Z');

  async function notify(customerId: string, serviceId: string | null, message: string, atMs: number): Promise<string> {
    const row = await db.prisma.notification.create({
      data: { customerId, serviceId, kind: 'breach', severity: 'critical', message, data: { nodes: 1 }, createdAt: new Date(base + atMs) },
    });
    return row.id;
  }

  const messages = (reply: Reply): string[] => reply.body.items.map((n: { message: string }) => n.message);

  test('the list is oldest first, and its cursor, set on the last page too, finds notifications written later', async () => {
    const { id: customerId, key } = await newCustomer();
    await notify(customerId, null, 'second', 1);
    await notify(customerId, null, 'first', 0);
    // Same millisecond: the id orders them, and paging must neither skip nor repeat one.
    const tied = [await notify(customerId, null, 'tie-a', 2), await notify(customerId, null, 'tie-b', 2)].sort();

    const first = await api.call('GET', '/v1/notifications?limit=3', { key });
    expect(first.status).toBe(200);
    expect(messages(first).slice(0, 2)).toEqual(['first', 'second']);
    expect(first.body.items[0]).toEqual({
      id: expect.any(String),
      serviceId: null,
      kind: 'breach',
      severity: 'critical',
      message: 'first',
      data: { nodes: 1 },
      createdAt: '2030-01-01T00:00:00.000Z',
      deliveries: [],
    });
    const last = await api.call('GET', `/v1/notifications?limit=3&cursor=${first.body.nextCursor}`, { key });
    expect([...first.body.items, ...last.body.items].slice(2).map((n: { id: string }) => n.id)).toEqual(tied);
    expect(last.body.nextCursor).toEqual(expect.any(String));

    const empty = await api.call('GET', `/v1/notifications?cursor=${last.body.nextCursor}`, { key });
    expect(empty.body).toEqual({ items: [], nextCursor: last.body.nextCursor });

    await notify(customerId, null, 'later', 3);
    const tailed = await api.call('GET', `/v1/notifications?cursor=${empty.body.nextCursor}`, { key });
    expect(messages(tailed)).toEqual(['later']);
  });

  test('an empty list without a cursor has no cursor; serviceId filters', async () => {
    const { id: customerId, key } = await newCustomer();
    expect((await api.call('GET', '/v1/notifications', { key })).body).toEqual({ items: [], nextCursor: null });
    const one = await newService(key, 'noisy');
    const other = await newService(key, 'quiet');
    await notify(customerId, one, 'about noisy', 0);
    await notify(customerId, other, 'about quiet', 1);
    await notify(customerId, null, 'about the account', 2);
    const filtered = await api.call('GET', `/v1/notifications?serviceId=${one}`, { key });
    expect(messages(filtered)).toEqual(['about noisy']);
    expect(filtered.body.items[0].serviceId).toBe(one);
  });

  test("a customer never sees another customer's notifications, even naming its service", async () => {
    const a = await newCustomer('a');
    const b = await newCustomer('b');
    const serviceOfA = await newService(a.key, 'secretive');
    await notify(a.id, serviceOfA, 'for a only', 0);
    await notify(b.id, null, 'for b', 1);
    expect(messages(await api.call('GET', '/v1/notifications', { key: b.key }))).toEqual(['for b']);
    expect((await api.call('GET', `/v1/notifications?serviceId=${serviceOfA}`, { key: b.key })).body).toEqual({ items: [], nextCursor: null });
    const cursorOfA = (await api.call('GET', '/v1/notifications', { key: a.key })).body.nextCursor;
    expect(messages(await api.call('GET', `/v1/notifications?cursor=${cursorOfA}`, { key: b.key }))).toEqual(['for b']);
  });

  test('a bad serviceId or cursor is named in errors; the admin key is refused', async () => {
    const { key } = await newCustomer();
    const bad = await api.call('GET', '/v1/notifications?serviceId=nope&cursor=nope', { key });
    expect(bad.status).toBe(400);
    expect(fieldPaths(bad)).toEqual(['serviceId']);
    expect(fieldPaths(await api.call('GET', '/v1/notifications?cursor=nope', { key }))).toEqual(['cursor']);
    expect((await api.call('GET', '/v1/notifications', { key: ADMIN() })).status).toBe(403);
  });
});

describe('tenant isolation', () => {
  test("every service route answers 404 for another customer's service, exactly as for an unknown one", async () => {
    const a = await newCustomer('a');
    const b = await newCustomer('b');
    const id = await newService(a.key, 'private');
    await insertNode(id, 'n1', { expiresAt: inOneHour() });
    const scoped = apiRoutes.filter((route) => route.serviceScoped);
    expect(scoped.length).toBeGreaterThanOrEqual(8);

    for (const route of scoped) {
      const path = route.path.replace('{id}', id).replace('{nodeId}', 'n1');
      // A body that would be valid for the route, so only ownership can fail.
      const body = route.method === 'patch' ? { ttlSeconds: 7200 } : route.bodyRequired ? serviceBody('x') : undefined;
      const foreign = await api.call(route.method.toUpperCase(), path, { key: b.key, body });
      expect({ route: `${route.method} ${route.path}`, status: foreign.status }).toEqual({
        route: `${route.method} ${route.path}`,
        status: 404,
      });
      const unknown = await api.call(route.method.toUpperCase(), route.path.replace('{id}', '00000000-0000-4000-8000-000000000000').replace('{nodeId}', 'n1'), {
        key: b.key,
        body,
      });
      expect(foreign.body).toEqual(unknown.body);
    }
    // Nothing B did reached A's service.
    const row = await db.prisma.service.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: 'active', ttlSeconds: 3600 });
    expect((await api.call('GET', `/v1/services/${id}`, { key: a.key })).status).toBe(200);
  });

  test('every other route is checked too: admin routes refuse customer keys, customer-wide routes show only the caller, node routes only the node', async () => {
    const a = await newCustomer('a');
    const b = await newCustomer('b');
    const id = await newService(a.key, 'mine');
    const secretA = 'a'.repeat(40);
    const secretB = 'b'.repeat(40);
    const serviceA = await newService(a.key, 'pulled-a', { signingSecret: secretA });
    const serviceB = await newService(b.key, 'pulled-b', { signingSecret: secretB });
    await insertNode(serviceA, 'n1');
    await insertNode(serviceB, 'n1');
    // Customer routes not scoped to one service, each with the check that it stays in the caller's tenancy.
    const customerWide: Record<string, () => Promise<void>> = {
      'get /v1/services': async () => {
        const r = await api.call('GET', '/v1/services', { key: b.key });
        expect(r.body.items.map((s: { id: string }) => s.id)).not.toContain(id);
      },
      'get /v1/notifications': async () => {
        await db.prisma.notification.create({ data: { customerId: a.id, serviceId: id, kind: 'breach', severity: 'critical', message: 'for a' } });
        const r = await api.call('GET', '/v1/notifications', { key: b.key });
        expect(r.body.items.map((n: { serviceId: string }) => n.serviceId)).not.toContain(id);
      },
      'post /v1/services': async () => {
        const r = await api.call('POST', '/v1/services', { key: b.key, body: serviceBody('mine') });
        expect(r.status).toBe(201);
        expect(r.body.id).not.toBe(id);
      },
      'get /v1/quotas': async () => {
        await db.prisma.customer.update({ where: { id: a.id }, data: { quotas: { services: 3 } } });
        const r = await api.call('GET', '/v1/quotas', { key: b.key });
        const own = await db.prisma.service.count({ where: { customerId: b.id, status: { not: 'deleting' } } });
        expect(r.body.usage.services).toBe(own);
        expect(r.body.quotas.services).toBe(config.COURIER_QUOTA_SERVICES);
        expect(r.body.overridden).toEqual([]);
      },
    };
    // Node routes, each with the check that only the named node's own credential opens it, and
    // that an unknown service looks the same as a wrong credential.
    const nodeWide: Record<string, () => Promise<void>> = {
      'get /v1/nodes/{nodeId}/metadata': async () => {
        const pull = (service: string, node: string, authorization?: string, key?: string) =>
          api.call('GET', `/v1/nodes/${node}/metadata?service=${service}`, { key, headers: authorization ? { authorization } : {} });
        const inAnHour = new Date(Date.now() + 3600_000);
        const token = (serviceId: string, nodeId: string, keyring = secretsKeyring(config), expiresAt = inAnHour) =>
          nodeAuthorization(pullToken(keyring, { serviceId, nodeId, expiresAt }));
        const otherKeyring = parseKeyring(Buffer.alloc(32, 1).toString('base64'));
        const refusals = [
          await pull(serviceB, 'n1', undefined, b.key),
          await pull(serviceB, 'n1', undefined, ADMIN()),
          await pull(serviceB, 'n1', token(serviceA, 'n1')),
          await pull(serviceB, 'n1', token(serviceB, 'n1', otherKeyring)),
          await pull(serviceA, 'n1', token(serviceA, 'n2')),
          await pull(serviceA, 'n1', token(serviceA, 'n1', undefined, new Date(Date.now() - 1000))),
          await pull('00000000-0000-4000-8000-000000000000', 'n1', token('00000000-0000-4000-8000-000000000000', 'n1')),
        ];
        for (const r of refusals) {
          expect(r.status).toBe(401);
          expect(r.headers.get('www-authenticate')).toBe('Courier-Node');
        }
        const [, , wrongService, ...sameAnswer] = refusals;
        for (const r of sameAnswer) expect(r.body).toEqual(wrongService!.body);
        // The right credential gets past authentication: to a missing node, or a source that is down here.
        expect((await pull(serviceB, 'n2', token(serviceB, 'n2'))).status).toBe(404);
        const down = await pull(serviceB, 'n1', token(serviceB, 'n1'));
        expect(down.status).toBe(503);
        expect(down.headers.get('retry-after')).toBe('5');
        expect((await db.pool.query('SELECT last_error FROM nodes WHERE service_id = $1', [serviceB])).rows).toEqual([{ last_error: null }]);
      },
    };
    for (const route of apiRoutes.filter((r) => !r.serviceScoped)) {
      const name = `${route.method} ${route.path}`;
      if (route.access === 'node') {
        expect({ name, checked: name in nodeWide }).toEqual({ name, checked: true });
        await nodeWide[name]!();
      } else if (route.access === 'bucket') {
        // Only the deployment's bucket-events token opens it, not a customer's key.
        const r = await api.call(route.method.toUpperCase(), route.path, { key: a.key, body: { Records: [] } });
        expect({ name, status: r.status }).toEqual({ name, status: 401 });
      } else if (route.access === 'admin') {
        const path = route.path.replace(/\{\w+\}/g, a.id);
        const r = await api.call(route.method.toUpperCase(), path, { key: a.key, body: route.bodyRequired ? { name: 'x' } : undefined });
        expect({ name, status: r.status }).toEqual({ name, status: 403 });
      } else {
        expect({ name, checked: name in customerWide }).toEqual({ name, checked: true });
        await customerWide[name]!();
      }
    }
  });
});

describe('audit log', () => {
  test('every mutation is recorded with who, what, when and how it ended, values never', async () => {
    const { id: customerId, key } = await newCustomer('audited');
    const secret = 's'.repeat(40);
    const created = await api.call('POST', '/v1/services', { key, body: serviceBody('audited', { signingSecret: secret }) });
    expect(created.status).toBe(201);
    await api.call('PATCH', `/v1/services/${created.body.id}`, { key, body: { ttlSeconds: 7200 } });
    await api.call('DELETE', '/v1/services/00000000-0000-4000-8000-000000000000', { key });
    await api.call('GET', `/v1/services/${created.body.id}`, { key });

    expect((await api.call('GET', '/v1/admin/audit', { key })).status).toBe(403);
    const r = await api.call('GET', `/v1/admin/audit?customerId=${customerId}`, { key: ADMIN() });
    expect(r.status).toBe(200);
    const keyId = (await db.prisma.apiKey.findFirstOrThrow({ where: { customerId } })).id;
    expect(r.body.items.map((e: { method: string; route: string; status: number; fields: string[]; target: object }) => [e.method, e.route, e.status, e.fields, e.target])).toEqual([
      ['DELETE', '/v1/services/{id}', 404, [], { id: '00000000-0000-4000-8000-000000000000' }],
      ['PATCH', '/v1/services/{id}', 200, ['ttlSeconds'], { id: created.body.id }],
      ['POST', '/v1/services', 201, ['name', 'mapping', 'metadata', 'ttlSeconds', 'delivery', 'signingSecret'], {}],
    ]);
    expect(r.body.items[0].actor).toEqual({ keyId, scope: 'customer', customerId });
    expect(Date.parse(r.body.items[0].at)).toBeGreaterThan(Date.now() - 60_000);
    expect(JSON.stringify(r.body)).not.toContain(secret);

    const admins = await api.call('GET', '/v1/admin/audit?limit=1', { key: ADMIN() });
    expect(admins.body.items).toHaveLength(1);
    expect(admins.body.nextCursor).toEqual(expect.any(String));
  });
});

describe('operations', () => {
  test('healthz and readyz answer; readyz names a dependency that is down', async () => {
    expect((await api.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await api.call('GET', '/readyz')).status).toBe(200);

    const deadDb = connectDatabase('postgresql://courier:courier@127.0.0.1:1/courier');
    const unready = await Api.start({ db: deadDb, temporal, config });
    try {
      const r = await unready.call('GET', '/readyz');
      expect(r.status).toBe(503);
      expect(r.type).toContain('application/problem+json');
      expect(r.body.detail).toContain('database');
      expect(r.body.detail).not.toContain('temporal');
    } finally {
      await unready.stop();
      await deadDb.close();
    }
  });

  test('metrics count requests by route template, not by raw path', async () => {
    const { key } = await newCustomer();
    await api.call('GET', '/v1/services/00000000-0000-4000-8000-000000000000', { key });
    await api.call('POST', '/v1/admin/customers', { key: ADMIN(), raw: '{', headers: { 'content-type': 'application/json' } });
    const r = await api.call('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.body).toContain('courier_api_requests_total{method="GET",route="/v1/services/{id}",status="404"}');
    // A body that fails to parse still counts under its route.
    expect(r.body).toContain('courier_api_requests_total{method="POST",route="/v1/admin/customers",status="400"}');
    expect(r.body).toContain('process_cpu_user_seconds_total');
    expect(r.body).not.toContain('00000000-0000-4000-8000-000000000000');
  });

  test('responses carry security headers; API responses are never cached', async () => {
    const { key } = await newCustomer();
    const r = await api.call('GET', '/v1/services', { key });
    expect(Object.fromEntries(['x-content-type-options', 'x-frame-options', 'referrer-policy', 'cache-control', 'content-security-policy'].map((h) => [h, r.headers.get(h)]))).toEqual({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    });
    expect(r.headers.get('x-powered-by')).toBeNull();
    const docs = await fetch(`${api.url}/docs/`);
    expect(docs.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  test('each key has its own rate limit: 429 with Retry-After, other keys unaffected', async () => {
    const limited = await Api.start({ db, temporal, config: { ...config, COURIER_RATE_LIMIT_PER_SECOND: 0.2, COURIER_RATE_LIMIT_BURST: 3 } });
    try {
      const a = await newCustomer('chatty');
      const b = await newCustomer('quiet');
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.call('GET', '/v1/services', { key: a.key })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await limited.call('GET', '/v1/services', { key: a.key });
      expect(refused.type).toContain('application/problem+json');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await limited.call('GET', '/v1/services', { key: b.key })).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  test('openapi.json documents every route with its security and problem responses', async () => {
    const r = await api.call('GET', '/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.nodeCredential).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
    for (const route of apiRoutes) {
      const op = doc.paths[route.path]?.[route.method];
      expect({ route: `${route.method} ${route.path}`, documented: Boolean(op) }).toEqual({ route: `${route.method} ${route.path}`, documented: true });
      expect(op.security).toEqual([{ [route.access === 'node' ? 'nodeCredential' : 'bearerAuth']: [] }]);
      expect(op.responses['401'].content['application/problem+json']).toBeDefined();
    }
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) expect(doc.paths[path]?.get).toBeDefined();
    expect(doc.paths['/v1/services'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateService' });
    expect(doc.components.schemas.CreateService.additionalProperties).toBe(false);

    const docs = await fetch(`${api.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
  });
});
