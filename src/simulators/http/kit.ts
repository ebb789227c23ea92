import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { PROBLEM_CONTENT_TYPE, problemBody } from '../../domain/problem';

/** A failure the client caused or asked for; the router turns it into `application/problem+json`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }
}

/** The client went away before the body arrived: there is nobody left to answer. */
export class ClientGone extends Error {}

/** Buffers the body, refusing more than `maxBytes` as early as the headers allow. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) return Promise.reject(new HttpError(413, `body larger than ${maxBytes} bytes`));
  // A request held back (a latency fault) may have lost its client already; its events are over.
  if (req.destroyed) return Promise.reject(new ClientGone());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Stop reading: the rest would be buffered for nothing. The answer closes the connection.
        req.pause();
        finish(new HttpError(413, `body larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish(null));
    req.once('error', () => finish(new ClientGone()));
    req.once('close', () => finish(new ClientGone()));
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendNoContent(res: ServerResponse): void {
  res.writeHead(204).end();
}

/** The same error shape as Courier's own API (Contract 1). */
export function sendProblem(res: ServerResponse, status: number, detail: string, errors?: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  // about:blank: the simulators' problems mean no more than their status (RFC 9457).
  const text = JSON.stringify(problemBody('about:blank', status, titleOf(status), detail, errors));
  res.writeHead(status, {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    // An unread or oversized body leaves the connection in an unknown state: do not reuse it.
    ...(status === 413 ? { connection: 'close' } : {}),
    ...headers,
  });
  res.end(text);
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
const titleOf = (status: number): string => TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');

/** Parses a JSON body (none means `{}`, so defaults apply) and validates it; any mismatch is the caller's 400. */
export async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S, maxBytes: number): Promise<z.output<S>> {
  const raw = await readBody(req, maxBytes);
  let json: unknown;
  try {
    json = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  return parseWith(schema, json, 'body');
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new HttpError(400, `${what} is invalid`, errors);
  }
  return parsed.data;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => void | Promise<void>;

export interface Route {
  method: string;
  /** Matched against the path only; capture groups arrive URL-decoded in `params`. */
  path: RegExp;
  handle: Handler;
}

/** First route whose path and method match wins; a path that matches with another method is a 405. */
export function router(routes: Route[]): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    let pathMatched = false;
    for (const route of routes) {
      const match = route.path.exec(url.pathname);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      let params: string[];
      try {
        params = match.slice(1).map((p) => decodeURIComponent(p ?? ''));
      } catch {
        sendProblem(res, 400, 'path is not valid URL encoding');
        return;
      }
      run(route.handle, req, res, params, url);
      return;
    }
    if (pathMatched) sendProblem(res, 405, `${req.method ?? ''} is not allowed on ${url.pathname}`);
    else sendProblem(res, 404, `no route for ${req.method ?? ''} ${url.pathname}`);
  };
}

function run(handle: Handler, req: IncomingMessage, res: ServerResponse, params: string[], url: URL): void {
  const fail = (err: unknown) => {
    if (err instanceof ClientGone) return;
    if (err instanceof HttpError) sendProblem(res, err.status, err.message, err.errors);
    else sendProblem(res, 500, err instanceof Error ? err.message : String(err));
  };
  try {
    const pending = handle(req, res, params, url);
    if (pending) pending.catch(fail);
  } catch (err) {
    fail(err);
  }
}

/**
 * Idle keep-alive connections outlive any client's own idle timeout (undici's is 4 s), so the
 * client always closes first and never sends on a socket the server is closing.
 */
const KEEP_ALIVE_MS = 65_000;

export async function listen(server: Server, host: string, port: number): Promise<{ port: number; url: string }> {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { port: bound, url: `http://${shownHost}:${bound}` };
}

/** Closes the listener and every connection, including requests a simulator is deliberately holding. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Query strings arrive as strings or not at all; absent means "use the default". */
export const queryOf = (url: URL): Record<string, string> => Object.fromEntries(url.searchParams);
