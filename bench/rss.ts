/** A process's resident memory, read from /proc (Linux), once or sampled for its peak. */
import { readFileSync } from 'node:fs';

/** Samples a process's RSS once a second until stopped; the peak. */
export class RssPeak {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(pid: number | undefined) {
    const sample = () => (this.peak = Math.max(this.peak, rssMb(pid)));
    sample();
    this.timer = setInterval(sample, 1000);
  }
  stop(): number {
    clearInterval(this.timer);
    return this.peak;
  }
}

export function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Math.round(Number(kb) / 1024) : 0;
}
