import type { Registry } from 'prom-client';
import type { AppDeps } from '../deps';
import { problems } from '../http/problem';
import { publicRoute, type Route } from '../http/route';
import { HealthSchema } from '../schemas';

const tags = ['system'];

async function withTimeout<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Readiness: the two dependencies every API route needs, each within the readiness timeout. */
async function unreadyDependencies(deps: AppDeps): Promise<string[]> {
  const ms = deps.timing.readinessTimeoutMs;
  const checks: [string, () => Promise<unknown>][] = [
    ['database', () => withTimeout(ms, 'database', deps.db.pool.query('SELECT 1'))],
    [
      'temporal',
      () => deps.temporal.withDeadline(Date.now() + ms, () => deps.temporal.workflowService.getSystemInfo({})),
    ],
  ];
  const results = await Promise.allSettled(checks.map(([, check]) => check()));
  return checks.filter((_, i) => results[i]?.status === 'rejected').map(([name]) => name);
}

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
        const down = await unreadyDependencies(deps);
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
