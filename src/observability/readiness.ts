/**
 * Readiness of a Courier process: the two dependencies every API route and every worker task
 * needs, each asked to answer within a timeout. Shared by the API's /readyz and the worker's /healthz.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

export interface Dependencies {
  pool: Pool;
  temporal: Client;
}

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

/** The names ('database', 'temporal') of the dependencies that did not answer within `timeoutMs`. */
export async function unreachableDependencies(deps: Dependencies, timeoutMs: number): Promise<string[]> {
  const checks: [string, () => Promise<unknown>][] = [
    ['database', () => withTimeout(timeoutMs, 'database', deps.pool.query('SELECT 1'))],
    ['temporal', () => deps.temporal.withDeadline(Date.now() + timeoutMs, () => deps.temporal.workflowService.getSystemInfo({}))],
  ];
  const results = await Promise.allSettled(checks.map(([, check]) => check()));
  return checks.filter((_, i) => results[i]?.status === 'rejected').map(([name]) => name);
}
