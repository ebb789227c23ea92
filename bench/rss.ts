/** Resident memory of processes (summed), read from /proc (Linux), once or sampled for its peak. */
import { readFileSync } from 'node:fs';

/** Samples the processes' summed RSS once a second until stopped; the peak. */
export class RssPeak {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(pids: readonly number[]) {
    const sample = () => (this.peak = Math.max(this.peak, rssMb(pids)));
    sample();
    this.timer = setInterval(sample, 1000);
  }
  stop(): number {
    clearInterval(this.timer);
    return this.peak;
  }
}

export function rssMb(pids: readonly number[]): number {
  const kb = pids.reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0), 0);
  return Math.round(kb / 1024);
}
