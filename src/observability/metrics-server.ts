import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * `GET /metrics` and `GET /healthz` for a process that has no HTTP API of its own (the worker).
 * `healthy` decides /healthz: 200 while it holds, else 503, so a probe sees a worker that is
 * shutting down or failed even while the process still answers.
 */
export async function startMetricsServer(opts: {
  registry: Registry;
  host: string;
  port: number;
  healthy: () => boolean;
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
      const ok = opts.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'unhealthy' }));
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
