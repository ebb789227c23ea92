import type { Registry } from 'prom-client';
import { unreachableDependencies } from '../../observability/readiness';
import { problems } from '../http/problem';
import { publicRoute, type Route } from '../http/route';
import { HealthSchema } from '../schemas/system';

const tags = ['system'];

export function systemRoutes(sources: { openapi: () => unknown; metrics: Registry }): Route[] {
  return [
    publicRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      tags,
      responses: { 200: { description: 'Alive.', schema: HealthSchema } },
      async handle() {
        return { status: 200, body: { status: 'ok' } };
      },
    }),
    publicRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: the database and Temporal answer',
      tags,
      responses: { 200: { description: 'Ready.', schema: HealthSchema } },
      problems: [503],
      async handle({ deps }) {
        const down = await unreachableDependencies({ pool: deps.db.pool, temporal: deps.temporal }, deps.timing.readinessTimeoutMs);
        if (down.length > 0) throw problems.unavailable(`Not ready: ${down.join(' and ')} not reachable.`, 5);
        return { status: 200, body: { status: 'ok' } };
      },
    }),
    publicRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tags,
      responses: { 200: { description: 'Prometheus text format.', contentType: 'text/plain' } },
      async handle() {
        return { status: 200, body: await sources.metrics.metrics(), contentType: sources.metrics.contentType };
      },
    }),
    publicRoute({
      method: 'get',
      path: '/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document',
      tags,
      responses: { 200: { description: 'The OpenAPI document.', contentType: 'application/json' } },
      async handle() {
        return { status: 200, body: sources.openapi() };
      },
    }),
  ];
}
