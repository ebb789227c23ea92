/**
 * Contract 1 against a real PostgreSQL and Temporal, with no worker (test/support/api-suite.ts).
 * Health, metrics, headers, rate limits and the OpenAPI document.
 */
import { apiRoutes } from '../../../src/api/routes';
import { connectDatabase } from '../../../src/db';
import { Api } from '../../support/api';
import { useApiSuite, config, db, temporal, api, ADMIN, newCustomer } from '../../support/api-suite';

useApiSuite('api-operations');

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
