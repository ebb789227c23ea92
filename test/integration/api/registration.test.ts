/**
 * Contract 1 against a real PostgreSQL and Temporal, with no worker (test/support/api-suite.ts).
 * Registering a service: the row, the workflow start, idempotency, and the network policy on its
 * URLs.
 */
import { Client } from '@temporalio/client';
import pino from 'pino';
import { reconcileProvisioning } from '../../../src/api/services/provisioning';
import { secretsKeyring } from '../../../src/config';
import { open } from '../../../src/domain/secret-box';
import { customerIdKey, serviceIdKey } from '../../../src/workflows/search-attributes';
import { serviceWorkflowId } from '../../../src/workflows/service/definitions';
import { Api } from '../../support/api';
import { useApiSuite, config, db, temporal, api, serviceBody, fieldPaths, newCustomer, newService, insertServiceRow } from '../../support/api-suite';

useApiSuite('api-registration');

const silent = pino({ level: 'silent' });

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
    const broken = new Client({ connection: temporal.connection, namespace: `no-such-namespace-${Date.now()}` });
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
    const row = await insertServiceRow(customer.id, 'interrupted', { status: 'provisioning', createdAt: new Date(Date.now() - 60_000) });
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
