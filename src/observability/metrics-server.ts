import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * `GET /metrics` and `GET /healthz` for a process that has no HTTP API of its own (the worker).
 * `unhealthy` decides /healthz: 200 while it names nothing, else 503 with what it names, so a
 * probe sees a worker that is shutting down, failed, or cut off from its dependencies even while
 * the process still answers.
 */
export async function startMetricsServer(opts: {
  registry: Registry;
  host: string;
  port: number;
  unhealthy: () => Promise<string[]>;
  /** More exposition text served after the registry's (the Temporal SDK's metrics); its failure costs only its part. */
  more?: () => Promise<string>;
  onError?: (err: unknown) => void;
}): Promise<MetricsServer> {
  const exposition = async (): Promise<string> => {
    const [own, more] = await Promise.all([
      opts.registry.metrics(),
      opts.more?.().catch((err: unknown) => {
        opts.onError?.(err);
        return '';
      }) ?? '',
    ]);
    return more ? `${own}\n${more}` : own;
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/healthz')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (path === '/healthz') {
      opts.unhealthy().then(
        (problems) => {
          const body = problems.length === 0 ? { status: 'ok' } : { status: 'unhealthy', problems };
          res.writeHead(problems.length === 0 ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        },
        (err: unknown) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'unhealthy', problems: [(err as Error).message] })),
      );
      return;
    }
    exposition().then(
      (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
