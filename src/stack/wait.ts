import { createServer, Socket } from 'node:net';
import { StackError, outputTail } from './errors';
import type { Supervised } from './processes';

export interface WaitOptions {
  timeoutMs: number;
  /** The process expected to answer: if it exits first, waiting stops at once with its output. */
  process?: Supervised;
  everyMs?: number;
}

/** Polls `probe` until it returns true; a probe that throws counts as "not yet". */
export async function waitUntil(what: string, probe: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    const proc = options.process;
    if (proc && !proc.running) {
      throw new StackError(`Waiting for ${what}: ${proc.exitReport()}`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const tail = proc ? `\nIts last output:\n${outputTail(proc.recentOutput())}` : '';
      const cause = lastError ? ` (last error: ${lastError})` : '';
      throw new StackError(`timed out after ${options.timeoutMs / 1000} s waiting for ${what}${cause}${tail}`);
    }
    await sleep(options.everyMs ?? 250);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when something accepts TCP connections on the port. */
export function portIsOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

/** GET with a timeout; resolves to the status, or throws when nothing answers. */
export async function httpStatus(url: string, timeoutMs = 2000): Promise<number> {
  return (await httpGet(url, timeoutMs)).status;
}

/** GET with a timeout, body read and dropped; throws when nothing answers. */
export async function httpGet(url: string, timeoutMs = 2000): Promise<Response> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res;
}

/** A TCP port nothing listens on now, for a server to take. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
