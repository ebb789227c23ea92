/**
 * Starts spaced `1000 / perSecond` ms apart, handed out in turn to the keys that wait: a key with
 * a thousand starts queued does not hold up a key that asks for two, which gets every other turn.
 * Each key's waiters keep their order. A rate of 0 paces nothing.
 */
export class FairPacer {
  /** Waiters by key; a Map keeps insertion order, so the first key is the one whose turn it is. */
  private readonly queues = new Map<string, (() => void)[]>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the next start may be handed out (epoch ms). */
  private nextAt = 0;

  constructor(private readonly perSecond: number) {}

  /** Resolves when `key` may start one more. */
  turn(key: string): Promise<void> {
    if (this.perSecond <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const queue = this.queues.get(key);
      if (queue) queue.push(resolve);
      else this.queues.set(key, [resolve]);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer !== null || this.queues.size === 0) return;
    this.timer = setTimeout(() => this.release(), Math.max(0, this.nextAt - Date.now()));
  }

  private release(): void {
    this.timer = null;
    const [key, queue] = this.queues.entries().next().value as [string, (() => void)[]];
    const resolve = queue.shift() as () => void;
    // The key goes to the back of the line, behind every other key that waits.
    this.queues.delete(key);
    if (queue.length > 0) this.queues.set(key, queue);
    this.nextAt = Date.now() + 1000 / this.perSecond;
    resolve();
    this.schedule();
  }
}
