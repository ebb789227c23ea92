/**
 * An overall deadline on one call to a customer URL. undici's headersTimeout and bodyTimeout are
 * idle timers: an endpoint that trickles a byte at a time never trips them and holds the
 * connection (and a delivery slot) for as long as it likes. This one counts from the start of the
 * call to the end of reading its answer, and also ends it when the caller is cancelled.
 */
export interface Deadline {
  signal: AbortSignal;
  /** True once the deadline, not the caller, ended the call. */
  expired(): boolean;
}

export function deadline(timeoutMs: number, cancelled?: AbortSignal): Deadline {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { signal: cancelled ? AbortSignal.any([cancelled, timeout]) : timeout, expired: () => timeout.aborted };
}

/** Rejects when the deadline passes, for calls that take no signal (nodemailer). */
export function raceDeadline<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
