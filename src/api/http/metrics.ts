import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Requests that matched no route share one label, so probes of random paths cannot grow the series count. */
const UNMATCHED_ROUTE = 'unmatched';

/** A registry per app, so several apps in one process (tests) keep separate counts. */
export function createHttpMetrics(): { registry: Registry; middleware: RequestHandler } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'courier_api_requests_total', help: 'API requests answered.', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'courier_api_request_duration_seconds',
    help: 'Time to answer an API request.',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      const labels = { method: req.method, route: routeLabel(res.locals), status: String(res.statusCode) };
      requests.inc(labels);
      end(labels);
    });
    next();
  };
  return { registry, middleware };
}

/** Names the route of requests served outside the declared routes (the docs UI). */
export const labelRoute =
  (route: string): RequestHandler =>
  (_req, res, next) => {
    res.locals.route = route;
    next();
  };

export const routeLabel = (locals: Record<string, unknown>): string =>
  typeof locals.route === 'string' ? locals.route : UNMATCHED_ROUTE;
