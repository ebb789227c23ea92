/**
 * Contract 1 against a real PostgreSQL and Temporal, with no worker (test/support/api-suite.ts).
 * Validation and the error shape: every bad field named, problems for every 4xx.
 */
import { useApiSuite, api, serviceBody, fieldPaths, newCustomer } from '../../support/api-suite';

useApiSuite('api-validation');

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
