import type { Pool } from 'pg';
import { recordAttempts, type AttemptRecord } from '../../engine/delivery/node-store';

/** Results are written once this many have come in, or this long after the oldest unwritten one. */
const FLUSH_RECORDS = 100;
const FLUSH_AFTER_MS = 1_000;

/**
 * Writes attempt results back while a batch is still in flight, one statement per chunk, so a
 * crash loses at most one chunk of acks (those nodes get delivered again; nodes are idempotent
 * per Idempotency-Key) instead of a whole batch.
 */
export class AttemptWriter {
  private pending: AttemptRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Writes run one after another; the first failure is kept and re-thrown by close(). */
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly pool: Pool,
    private readonly serviceId: string,
  ) {}

  add(record: AttemptRecord): void {
    this.pending.push(record);
    if (this.pending.length >= FLUSH_RECORDS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
  }

  async close(): Promise<void> {
    this.flush();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const chunk = this.pending;
    this.pending = [];
    if (chunk.length === 0) return;
    this.chain = this.chain.then(() =>
      recordAttempts(this.pool, this.serviceId, chunk).catch((err: unknown) => {
        this.failure ??= err;
      }),
    );
  }
}
