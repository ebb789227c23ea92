import { extname, join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { ApplicationFailure } from '@temporalio/common';
import type { Gauge } from 'prom-client';
import type { ParseSummary } from '../domain/mapping';
import type { BadRow } from '../domain/status';
import type { FromParser, ParserThreadInput, ToParser } from './mapping-parser-thread';
import type { RangeBuffers } from './s3-ranges';

/**
 * The parser thread's heap. A load's garbage is many short strings and row objects: in the
 * worker's own heap it grew V8's young generation to 128 MB and left old-generation garbage
 * behind until a full collection (docs/performance.md §3), whatever the object's size; a heap of
 * its own is collected often and is this big at most. A thread that needs more dies, and its
 * load fails retryably (MappingParserFailed) instead of the worker.
 */
export const PARSER_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 48 };

const THREAD_FILE = join(__dirname, `mapping-parser-thread${extname(__filename)}`);

/**
 * The compiled worker runs the thread's .js beside this file; from TypeScript sources (tsx, jest),
 * the thread registers tsx's loader first, as the main thread did for itself.
 */
function startThread(input: ParserThreadInput, resourceLimits: ResourceLimits): Worker {
  if (THREAD_FILE.endsWith('.js')) return new Worker(THREAD_FILE, { workerData: input, resourceLimits });
  const source = `require('tsx/cjs/api').register(); require(${JSON.stringify(THREAD_FILE)});`;
  return new Worker(source, { eval: true, workerData: input, resourceLimits });
}

export interface ThreadParse {
  /** The object's ranges, each at offset 0 of a buffer of `buffers`, in order. */
  ranges: AsyncIterable<Uint8Array>;
  buffers: RangeBuffers;
  input: ParserThreadInput;
  limits: ResourceLimits;
  /** Writes COPY text; settles once the connection's socket has taken it, not necessarily sent it. */
  write(chunk: Buffer): Promise<void>;
  /** Valid and bad rows parsed so far, with every chunk of COPY text. */
  onRows(rows: number, badRows: number): void;
  /** Parser threads alive (a gauge of the worker's metrics). */
  threads: Gauge;
  signal: AbortSignal;
}

export type ThreadParsed = { summary: ParseSummary; samples: BadRow[] } | 'overQuota';

/**
 * Parses an object in a thread of its own: this thread reads the ranges and writes COPY text,
 * the parser thread turns one into the other. Ranges and COPY text travel in buffers that go
 * there and back by transfer (never reallocated; the COPY text is copied once, for the socket),
 * so memory in flight is the range buffers and twice the thread's `copyChunks` buffers. The
 * thread is terminated however the parse ends: done, failed, over quota or cancelled.
 */
export async function parseInThread(p: ThreadParse): Promise<ThreadParsed> {
  const thread = startThread(p.input, p.limits);
  p.threads.inc();
  thread.once('exit', () => p.threads.dec());
  const samples: BadRow[] = [];
  const post = (message: ToParser, transfer: ArrayBuffer[] = []) => thread.postMessage(message, transfer);
  let settle!: { resolve(parsed: ThreadParsed): void; reject(err: unknown): void };
  const outcome = new Promise<ThreadParsed>((resolve, reject) => (settle = { resolve, reject }));
  let writing = Promise.resolve();
  let summarized = false;
  thread.on('message', (message: FromParser) => {
    switch (message.kind) {
      case 'free':
        p.buffers.give(message.buffer);
        break;
      case 'copy': {
        p.onRows(message.rows, message.badRows);
        // Written in the order received: each write is issued at once, its buffer returned once
        // taken. The socket may still be sending from what it took (a write below its high-water
        // mark, 64 KiB since Node 22, is acknowledged at once), and the thread refills a returned
        // buffer at once: so the socket gets a copy, never the buffer itself.
        const { buffer } = message;
        const written = p.write(Buffer.copyBytesFrom(new Uint8Array(buffer, 0, message.length)));
        written.then(() => post({ kind: 'written', buffer }, [buffer]), settle.reject);
        writing = written;
        break;
      }
      case 'bad':
        samples.push({ line: message.line, reason: message.reason });
        break;
      case 'overQuota':
        settle.resolve('overQuota');
        break;
      case 'summary':
        summarized = true;
        writing.then(() => settle.resolve({ summary: message.summary, samples }), settle.reject);
        break;
    }
  });
  thread.on('error', (err) => settle.reject(parserFailed(err.message)));
  thread.on('exit', (code) => {
    if (!summarized) settle.reject(parserFailed(`it exited with code ${code} before the object's end`));
  });
  const onAbort = () => settle.reject(p.signal.reason);
  p.signal.addEventListener('abort', onAbort, { once: true });
  const pumped = (async () => {
    for await (const range of p.ranges) post({ kind: 'bytes', buffer: range.buffer as ArrayBuffer, length: range.length }, [range.buffer as ArrayBuffer]);
    post({ kind: 'end' });
  })();
  pumped.catch(settle.reject);
  try {
    return await outcome;
  } finally {
    p.signal.removeEventListener('abort', onAbort);
    await thread.terminate();
    // A parse that ended early leaves the ranged read waiting for a buffer the thread held: this ends it.
    p.buffers.close();
  }
}

const parserFailed = (why: string) =>
  ApplicationFailure.retryable(`mapping parser thread died (${why}); the mapping in force is kept and the load is retried`, 'MappingParserFailed');
