/**
 * The worker processes a local stack (the dev stack, the bench) starts, and the COURIER_WORKER_ROLE
 * of each. `split` is a deployment's shape: one `workflows` worker, which answers forced
 * refreshes and runs the mapping loads, beside `workers` `activities` workers for the bulk runs;
 * `all` is `workers` workers of every role.
 */
import type { Config } from '../config';

export const WORKER_LAYOUTS = ['split', 'all'] as const;
export type WorkerLayout = (typeof WORKER_LAYOUTS)[number];

export interface WorkerProcessPlan {
  name: string;
  role: Config['COURIER_WORKER_ROLE'];
}

export function workerProcesses(workers: number, layout: WorkerLayout): WorkerProcessPlan[] {
  const numbered = (base: string, i: number) => (i === 0 ? base : `${base}-${i + 1}`);
  if (layout === 'all') return Array.from({ length: workers }, (_, i) => ({ name: numbered('worker', i), role: 'all' }));
  return [
    { name: 'worker', role: 'workflows' },
    ...Array.from({ length: workers }, (_, i) => ({ name: numbered('worker-activities', i), role: 'activities' as const })),
  ];
}
