/**
 * Hostile input: what once answered 500 (a NUL in a signing secret or a URL, a deeply nested
 * body under an Idempotency-Key) and huge numbers, in every field of every route that takes a
 * body. Each must be a 4xx problem naming the field, never a 5xx.
 */
import { apiRoutes } from '../../../src/api/routes';
import { startApiStack, type ApiStack, type Reply } from '../../support/api';
import { adminKeyOf, MAPPING_BUCKET, newTenant, registration, type Tenant } from '../../support/tenants';

let stack: ApiStack;
let tenant: Tenant;
let serviceId: string;
const ADMIN = () => adminKeyOf(stack.config);

beforeAll(async () => {
  stack = await startApiStack('hostile-input');
  tenant = await newTenant(stack.api, ADMIN(), 'bad-input');
  const created = await stack.api.call('POST', '/v1/services', { key: tenant.key, body: registration('target', 'bad-input/nodes.csv') });
  serviceId = created.body.id;
});
afterAll(() => stack?.close());

const paths = (reply: Reply): string[] => (reply.body.errors ?? []).map((e: { path: string }) => e.path);

function expectRefused(reply: Reply, status = 400): void {
  expect({ status: reply.status, type: reply.type }).toEqual({ status, type: expect.stringContaining('application/problem+json') });
}

test('a NUL character in signingSecret is a 400 on that field, not a 500', async () => {
  const r = await stack.api.call('POST', '/v1/services', { key: tenant.key, body: registration('nul-secret', 'bad-input/n.csv', { signingSecret: `${'s'.repeat(40)}\0` }) });
  expectRefused(r);
  expect(paths(r)).toEqual(['signingSecret']);
});

test('a NUL character in a URL is a 400 on that field, not a 500', async () => {
  const r = await stack.api.call('POST', '/v1/services', {
    key: tenant.key,
    body: registration('nul-url', 'bad-input/n.csv', { metadata: { url: 'http://127.0.0.1:9/m\0?node={node}' } }),
  });
  expectRefused(r);
  expect(paths(r)).toEqual(['metadata.url']);
});

test('a deeply nested JSON array sent with an Idempotency-Key is a 400, not a 500', async () => {
  const depth = 100_000;
  const raw = '['.repeat(depth) + ']'.repeat(depth);
  const r = await stack.api.call('POST', '/v1/services', {
    key: tenant.key,
    raw,
    headers: { 'content-type': 'application/json', 'idempotency-key': `deep-${Date.now()}` },
  });
  expectRefused(r);
  expect(r.body.errors[0].message).toMatch(/nests deeper/);
});

test('numbers too large for any field are 400s, whatever their spelling', async () => {
  for (const ttl of ['1e308', '1e400', '-1e400', '18446744073709551617', '1.5']) {
    const raw = JSON.stringify(registration('huge', 'bad-input/n.csv', { ttlSeconds: 0 })).replace('"ttlSeconds":0', `"ttlSeconds":${ttl}`);
    const r = await stack.api.call('POST', '/v1/services', { key: tenant.key, raw, headers: { 'content-type': 'application/json' } });
    expectRefused(r);
    expect({ ttl, paths: [...new Set(paths(r))] }).toEqual({ ttl, paths: ['ttlSeconds'] });
  }
});

/** A valid body for every route that takes one; the table must cover the route list. */
const validBodies = (): Record<string, unknown> => ({
  'post /v1/admin/customers': { name: 'acme' },
  'post /v1/admin/customers/{id}/mapping-grants': { bucket: MAPPING_BUCKET, prefix: 'bad-input/' },
  'patch /v1/admin/customers/{id}/quotas': { services: 10, nodes: 1000 },
  'post /v1/services': registration('every-field', 'bad-input/n.csv', { signingSecret: 's'.repeat(40), notifications: { webhookUrl: 'http://127.0.0.1:9/hook' } }),
  'patch /v1/services/{id}': { ttlSeconds: 7200, metadata: { url: 'http://127.0.0.1:9/m' } },
  'post /v1/services/{id}/nodes/{nodeId}/refresh': { endpoint: 'http://127.0.0.1:9/n' },
  'post /v1/services/{id}/nodes/redrive': { nodeIds: ['n1'] },
  'post /v1/mapping-events': { Records: [{ eventName: 's3:ObjectCreated:Put', s3: { bucket: { name: MAPPING_BUCKET }, object: { key: 'bad-input/n.csv', eTag: 'e1' } } }] },
});

/** Each leaf of `body`, with the body rebuilt around a replacement of it. */
function* leaves(body: unknown, replace: (leaf: unknown) => unknown, path: string[] = []): Generator<[string, unknown]> {
  if (body !== null && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) {
      for (const [leafPath, replaced] of leaves(value, replace, [...path, key])) {
        yield [leafPath, Array.isArray(body) ? Object.assign([...body], { [key]: replaced }) : { ...body, [key]: replaced }];
      }
    }
  } else {
    yield [path.join('.'), replace(body)];
  }
}

test('every field of every route with a body refuses NUL bytes, huge numbers and deep nesting with a 4xx', async () => {
  const bodies = validBodies();
  const withBody = apiRoutes.filter((route) => route.body);
  expect(withBody.map((r) => `${r.method} ${r.path}`).sort()).toEqual(Object.keys(bodies).sort());
  const deep = JSON.parse('['.repeat(64) + ']'.repeat(64)) as unknown;
  const hostile: Array<[string, (leaf: unknown) => unknown]> = [
    ['NUL', (leaf) => (typeof leaf === 'string' ? `${leaf}\0` : '\0')],
    ['huge', () => 1e308],
    ['deep', () => deep],
  ];
  for (const route of withBody) {
    const name = `${route.method} ${route.path}`;
    const key = route.access === 'admin' ? ADMIN() : route.access === 'bucket' ? process.env.COURIER_BUCKET_EVENTS_TOKEN : tenant.key;
    const path = route.path.replace('{id}', route.access === 'admin' ? tenant.id : serviceId).replace('{nodeId}', 'n1');
    for (const [kind, replace] of hostile) {
      for (const [field, body] of leaves(bodies[name], replace)) {
        const r = await stack.api.call(route.method.toUpperCase(), path, { key, body });
        expect({ name, kind, field, status: r.status < 500 && r.status >= 400 ? '4xx' : r.status }).toEqual({ name, kind, field, status: '4xx' });
        expect(r.type).toContain('application/problem+json');
      }
    }
  }
});
