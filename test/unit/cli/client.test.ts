import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ApiError, CourierClient } from '../../../src/cli/client';
import { serve } from './loopback';

const created = (_req: IncomingMessage, res: ServerResponse) =>
  res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c1', name: 'acme' }));

describe('CLI API client', () => {
  test('a POST retried after a lost connection or a 503 carries the same Idempotency-Key', async () => {
    const server = await serve([
      (req) => req.socket.destroy(),
      (_req, res) => res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/problem+json' }).end('{}'),
      created,
    ]);
    try {
      const client = new CourierClient(`${server.url}/`, 'key-1');
      const answer = await client.request('POST', '/v1/admin/customers', z.object({ id: z.string(), name: z.string() }), { name: 'acme' });
      expect(answer).toEqual({ status: 201, body: { id: 'c1', name: 'acme' } });
      const keys = server.received.map((req) => req.headers['idempotency-key']);
      expect(keys).toHaveLength(3);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(server.received[0]?.headers.authorization).toBe('Bearer key-1');
      expect(server.received[0]?.url).toBe('/v1/admin/customers');
    } finally {
      await server.close();
    }
  });

  test('a problem becomes an ApiError with its body; an answer of the wrong shape is reported, not trusted', async () => {
    const problem = { type: 'urn:courier:problem:not-found', title: 'Not found', status: 404, detail: 'No such service.' };
    const server = await serve([
      (_req, res) => res.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify(problem)),
      (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"unexpected":true}'),
    ]);
    try {
      const client = new CourierClient(server.url, 'k');
      const error = await client.get('/v1/services/x', z.object({ id: z.string() })).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 404, problem });
      expect(server.received[0]?.headers['idempotency-key']).toBeUndefined();
      await expect(client.get('/v1/services', z.object({ items: z.array(z.unknown()) }))).rejects.toThrow(
        `unexpected answer from Courier at ${server.url} (HTTP 200): {"unexpected":true}`,
      );
    } finally {
      await server.close();
    }
  });
});
