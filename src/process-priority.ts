import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers this process's CPU priority to `nice` (0-19), for a bulk worker sharing its host with
 * the processes a forced refresh waits on: the API, the workflows worker, Temporal, PostgreSQL.
 * Linux keeps the nice value per thread and a new thread inherits its creator's, so every thread
 * there now is lowered; called before Temporal's runtime starts, its threads inherit it too.
 * Elsewhere only the calling thread is. Returns how many threads were lowered.
 */
export function lowerCpuPriority(nice: number): number {
  const threads = listThreads();
  for (const tid of threads) setPriority(tid, nice);
  return threads.length;
}

function listThreads(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [0];
  }
}
