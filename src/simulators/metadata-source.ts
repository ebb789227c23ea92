import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { closeServer, listen, readJson, router, sendJson, sendNoContent, sendProblem, type Route } from './http/kit';
import { Limits, OutageSchema, ThrottleSchema, type Outage, type OutageInput, type Throttle, type ThrottleInput } from './source/limits';
import { MAX_PAYLOAD_BYTES, PayloadBook, type MetadataMode } from './source/payloads';

const ADMIN_MAX_BYTES = 64 * 1024;

export interface MetadataSourceOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Default 10240. */
  payloadBytes?: number;
  /** `shared` (default): one body for every node. `perNode`: each request URL gets its own. */
  mode?: MetadataMode;
  /** Rotate to a new generation on this period. */
  rotateEverySeconds?: number;
  throttle?: ThrottleInput;
  outage?: OutageInput;
  /** Epoch ms; drives `untilEpochMs` and the `maxPerSecond` token bucket. */
  now?: () => number;
  /** In [0, 1); decides `rate` throttling. */
  random?: () => number;
}

interface SourceStats {
  /** Metadata requests (admin and stats calls excluded). */
  requests: number;
  served: number;
  throttled: number;
  failed: number;
  bytesServed: number;
  generation: number;
  /** The current version in shared mode; null in perNode mode. */
  version: string | null;
}

export interface MetadataSource {
  url: string;
  port: number;
  /** A `metadata.url` for service registrations (Contract 1); without `{node}` in shared mode. */
  urlTemplate: string;
  stats(): SourceStats;
  /** Starts a new generation: every node's version changes. */
  rotate(): { generation: number; version: string | null };
  setThrottle(throttle: ThrottleInput | null): Throttle | null;
  setOutage(outage: OutageInput | null): Outage | null;
  resetStats(): void;
  close(): Promise<void>;
}

const OptionsSchema = z.object({
  payloadBytes: z.number().int().min(0).max(MAX_PAYLOAD_BYTES).default(10_240),
  mode: z.enum(['shared', 'perNode']).default('shared'),
  rotateEverySeconds: z.number().positive().optional(),
});

/** Contract 3's "existing API": any GET outside /admin, /stats and /healthz returns metadata. */
export async function startMetadataSource(options: MetadataSourceOptions = {}): Promise<MetadataSource> {
  const { payloadBytes, mode, rotateEverySeconds } = OptionsSchema.parse(options);
  const payloads = new PayloadBook(payloadBytes, mode);
  const limits = new Limits(options.now ?? Date.now, options.random ?? Math.random);
  limits.setThrottle(options.throttle ?? null);
  limits.setOutage(options.outage ?? null);
  const stats = { requests: 0, served: 0, throttled: 0, failed: 0, bytesServed: 0 };

  const rotate = () => {
    payloads.rotate();
    return { generation: payloads.generation, version: payloads.sharedVersion };
  };
  const timer = rotateEverySeconds === undefined ? null : setInterval(rotate, rotateEverySeconds * 1000).unref();

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    stats.requests += 1;
    const verdict = limits.decide();
    if (verdict.kind === 'fail') {
      stats.failed += 1;
      sendProblem(res, verdict.status, 'simulated outage');
      return;
    }
    if (verdict.kind === 'throttle') {
      stats.throttled += 1;
      sendProblem(res, verdict.status, 'simulated throttling', undefined, { 'retry-after': String(verdict.retryAfterSeconds) });
      return;
    }
    const payload = payloads.forRequest(req.url ?? '/');
    stats.served += 1;
    stats.bytesServed += payload.bytes;
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': payload.bytes,
      etag: payload.etag,
      'cache-control': 'no-store',
    });
    for (const chunk of payload.chunks.slice(0, -1)) res.write(chunk);
    res.end(payload.chunks.at(-1));
  };

  const server = createServer();
  const { port, url } = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  const source: MetadataSource = {
    url,
    port,
    urlTemplate: `${url}/v1/metadata?service={service}${mode === 'perNode' ? '&node={node}' : ''}`,
    stats: () => ({ ...stats, generation: payloads.generation, version: payloads.sharedVersion }),
    rotate,
    setThrottle: (throttle) => limits.setThrottle(throttle),
    setOutage: (outage) => limits.setOutage(outage),
    resetStats: () => Object.assign(stats, { requests: 0, served: 0, throttled: 0, failed: 0, bytesServed: 0 }),
    close: () => {
      if (timer) clearInterval(timer);
      return closeServer(server);
    },
  };
  server.on('request', router([...adminRoutes(source, limits), { method: 'GET', path: /^(?!\/admin\/)/, handle: serve }]));
  return source;
}

function adminRoutes(source: MetadataSource, limits: Limits): Route[] {
  return [
    { method: 'GET', path: /^\/healthz$/, handle: (_req, res) => sendJson(res, 200, { ok: true }) },
    { method: 'GET', path: /^\/stats$/, handle: (_req, res) => sendJson(res, 200, source.stats()) },
    { method: 'POST', path: /^\/admin\/rotate$/, handle: (_req, res) => sendJson(res, 200, source.rotate()) },
    {
      method: 'POST',
      path: /^\/admin\/reset$/,
      handle: (_req, res) => {
        source.resetStats();
        sendNoContent(res);
      },
    },
    { method: 'GET', path: /^\/admin\/limits$/, handle: (_req, res) => sendJson(res, 200, limits.current()) },
    {
      method: 'PUT',
      path: /^\/admin\/throttle$/,
      handle: async (req, res) => sendJson(res, 200, source.setThrottle(await readJson(req, ThrottleSchema, ADMIN_MAX_BYTES))),
    },
    {
      method: 'DELETE',
      path: /^\/admin\/throttle$/,
      handle: (_req, res) => {
        source.setThrottle(null);
        sendNoContent(res);
      },
    },
    {
      method: 'PUT',
      path: /^\/admin\/outage$/,
      handle: async (req, res) => sendJson(res, 200, source.setOutage(await readJson(req, OutageSchema, ADMIN_MAX_BYTES))),
    },
    {
      method: 'DELETE',
      path: /^\/admin\/outage$/,
      handle: (_req, res) => {
        source.setOutage(null);
        sendNoContent(res);
      },
    },
  ];
}
