/**
 * The worker processes a local stack (the dev stack, the bench) starts, and the COURIER_WORKER_ROLE
 * of each. `split` is a deployment's shape: one `workflows` worker, which answers forced
 * refreshes and runs the mapping loads, beside `workers` `activities` workers for the bulk runs;
 * `all` is `workers` workers of every role. A local stack runs them all on one host, so its
 * `activities` workers run at a lower CPU priority (COURIER_WORKER_NICE): the bulk runs take the CPU
 * that the API, the workflows worker and Temporal leave, and a forced refresh does not wait behind
 * them (docs/performance.md §1).
 */
import type { Config } from '../config';

export const WORKER_LAYOUTS = ['split', 'all'] as const;
export type WorkerLayout = (typeof WORKER_LAYOUTS)[number];

export interface WorkerProcessPlan {
  name: string;
  role: Config['COURIER_WORKER_ROLE'];
  nice: number;
}

/** Measured against 0 in docs/performance.md §1. */
const BULK_WORKER_NICE = 10;

export function workerProcesses(workers: number, layout: WorkerLayout): WorkerProcessPlan[] {
  const numbered = (base: string, i: number) => (i === 0 ? base : `${base}-${i + 1}`);
  if (layout === 'all') return Array.from({ length: workers }, (_, i) => ({ name: numbered('worker', i), role: 'all', nice: 0 }));
  return [
    { name: 'worker', role: 'workflows', nice: 0 },
    ...Array.from({ length: workers }, (_, i) => ({ name: numbered('worker-activities', i), role: 'activities' as const, nice: BULK_WORKER_NICE })),
  ];
}

/** The settings that give a worker process its place in the plan. */
export function workerPlanEnv(plan: WorkerProcessPlan): { COURIER_WORKER_ROLE: string; COURIER_WORKER_NICE: string } {
  return { COURIER_WORKER_ROLE: plan.role, COURIER_WORKER_NICE: String(plan.nice) };
}
