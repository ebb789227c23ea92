/**
 * A service's metadata source, kept within the limits its customer gave (or the deployment's
 * default): at most `maxConcurrency` requests in flight and `maxRequestsPerSecond` started, per
 * service, across all delivery activities. One service with thousands of nodes and per-node
 * metadata URLs would otherwise send every activity's whole concurrency at once.
 *
 * A customer's stated limits hold across workers: each of the `workers()` live workers takes an
 * equal share, the concurrency rounded down but at least 1 (a limit below the number of workers
 * is then exceeded, up to one request per worker). No coordination per request: the cost is one
 * Temporal call per worker every few seconds (live-workers.ts), and shares that lag a worker
 * joining by that much (the newcomer counts itself at once; the others see it at their next
 * count). The deployment's default concurrency is per worker, as configured.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface SourceLimits {
  maxConcurrency: number | null;
  maxRequestsPerSecond: number | null;
}

interface ServiceGate {
  active: number;
  waiting: (() => void)[];
  /** When the next request may start under the rate limit (epoch ms). */
  nextStartAt: number;
}

export class SourceLimiter {
  private readonly gates = new Map<string, ServiceGate>();

  constructor(
    private readonly defaultConcurrency: number,
    private readonly workers: () => number = () => 1,
  ) {}

  async run<T>(serviceId: string, limits: SourceLimits, request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const gate = this.gates.get(serviceId) ?? { active: 0, waiting: [], nextStartAt: 0 };
    this.gates.set(serviceId, gate);
    const share = Math.max(1, this.workers());
    const concurrency = limits.maxConcurrency === null ? this.defaultConcurrency : Math.max(1, Math.floor(limits.maxConcurrency / share));
    if (gate.active >= concurrency) await new Promise<void>((resolve) => gate.waiting.push(resolve));
    gate.active++;
    try {
      if (limits.maxRequestsPerSecond !== null) {
        // Each request books the next start slot, so starts are spaced 1/rate apart.
        const now = Date.now();
        const startAt = Math.max(now, gate.nextStartAt);
        gate.nextStartAt = startAt + (1000 * share) / limits.maxRequestsPerSecond;
        if (startAt > now) await sleep(startAt - now, undefined, { signal });
      }
      return await request();
    } finally {
      gate.active--;
      const next = gate.waiting.shift();
      if (next) next();
      else if (gate.active === 0 && gate.nextStartAt <= Date.now()) this.gates.delete(serviceId);
    }
  }
}
