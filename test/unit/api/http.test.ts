import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { z } from 'zod';
import { errorHandler, notFoundHandler } from '../../../src/api/http/error-handler';
import { canonicalJson } from '../../../src/api/http/idempotency';
import { decodeCursor, encodeCursor, page, tailPage } from '../../../src/api/http/pagination';
import { Problem } from '../../../src/api/http/problem';
import { requestLog } from '../../../src/api/http/request-log';

describe('idempotency fingerprint', () => {
  test('key order does not matter, values do', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('cursors', () => {
  const Cursor = z.object({ nodeId: z.string() });

  test('round-trip, and a next cursor only when a row beyond the page exists', () => {
    const full = page([{ nodeId: 'a' }, { nodeId: 'b' }, { nodeId: 'c' }], 2, (last) => ({ nodeId: last.nodeId }));
    expect(full.items).toHaveLength(2);
    expect(decodeCursor(Cursor, full.nextCursor!)).toEqual({ nodeId: 'b' });
    expect(page([{ nodeId: 'a' }], 2, (last) => last).nextCursor).toBeNull();
  });

  test('a tailed page points after its last row even when it is the last page; an empty one returns the cursor it got', () => {
    const tail = tailPage([{ nodeId: 'a' }], undefined, (last) => ({ nodeId: last.nodeId }));
    expect(decodeCursor(Cursor, tail.nextCursor!)).toEqual({ nodeId: 'a' });
    expect(tailPage([], tail.nextCursor!, (last) => last).nextCursor).toBe(tail.nextCursor);
    expect(tailPage([], undefined, (last) => last).nextCursor).toBeNull();
  });

  test('a foreign cursor is a 400 problem on the cursor parameter', () => {
    for (const bad of ['garbage', encodeCursor({ other: 1 }), Buffer.from('{').toString('base64url')]) {
      try {
        decodeCursor(Cursor, bad);
        throw new Error('accepted a foreign cursor');
      } catch (err) {
        expect(err).toBeInstanceOf(Problem);
        expect((err as Problem).status).toBe(400);
        expect((err as Problem).errors).toEqual([{ in: 'query', path: 'cursor', message: expect.any(String) }]);
      }
    }
  });
});

describe('error handler', () => {
  test('an unexpected error is a 500 problem; its stack goes to the log, never to the caller', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const app = express();
    app.get('/boom', () => {
      throw new Error('secret internals');
    });
    app.use(notFoundHandler);
    app.use(errorHandler(logger));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/boom`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const text = await res.text();
      expect(text).not.toContain('secret internals');
      expect(JSON.parse(text)).toMatchObject({ status: 500, title: 'Internal server error' });
      expect(lines.join('')).toContain('secret internals');
      expect(lines.join('')).toContain('"stack"');

      const missing = await fetch(`${base}/nowhere`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      server.close();
    }
  });
});

describe('request log', () => {
  test('one info line per request; successful health checks and scrapes only at debug', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const app = express();
    app.use(requestLog(logger));
    app.get('/readyz', (_req, res) => void res.json({ status: 'ok' }));
    app.get('/healthz', (_req, res) => void res.status(503).json({ status: 'down' }));
    app.get('/v1/services', (_req, res) => void res.json({ items: [] }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const path of ['/readyz?probe=1', '/healthz', '/v1/services']) await (await fetch(`${base}${path}`)).text();
      await new Promise((resolve) => setImmediate(resolve));
      const levels = Object.fromEntries(
        lines.map((line) => JSON.parse(line) as { path: string; level: number }).map(({ path, level }) => [path, pino.levels.labels[level]]),
      );
      expect(levels).toEqual({ '/readyz': 'debug', '/healthz': 'info', '/v1/services': 'info' });
    } finally {
      server.close();
    }
  });
});
