/**
 * The body of the mapping parser's thread (started by mapping-parser.ts): it parses the ranges
 * the main thread hands it and hands back COPY text, so the parse's garbage lives in this
 * thread's heap, whose size the main thread bounds, and never in the worker's. It imports
 * the parser and the COPY row format only: no pg, no AWS SDK, no Temporal.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseMapping, walkRows, type MappingFormat, type ParseSummary, type RowCounts } from '../domain/mapping';
import { copyRow } from './copy-row';

export interface ParserThreadInput {
  format: MappingFormat;
  serviceName: string;
  /** Rows (valid and bad) past which the object is over the customer's quota. */
  maxRows: number;
  /** Bad rows sent back one by one; the rest are only counted. */
  badRowSamples: number;
  /** Bytes of each buffer of COPY text sent back. */
  copyChunkBytes: number;
  /** Those buffers: each comes back once PostgreSQL's socket has taken its text. */
  copyChunks: number;
  /** The parser takes a range in pieces of this many bytes (see PARSE_PIECE_BYTES in mapping.ts). */
  pieceBytes: number;
}

/** From the main thread: a range of the object (its buffer transferred), the end of the object, or a COPY buffer written. */
export type ToParser = { kind: 'bytes'; buffer: ArrayBuffer; length: number } | { kind: 'end' } | { kind: 'written'; buffer: ArrayBuffer };

/** To the main thread; `copy` chunks carry the counts so far, `summary` comes last. */
export type FromParser =
  | { kind: 'free'; buffer: ArrayBuffer }
  | { kind: 'copy'; buffer: ArrayBuffer; length: number; rows: number; badRows: number }
  | { kind: 'bad'; line: number; reason: string }
  | { kind: 'overQuota' }
  | { kind: 'summary'; summary: ParseSummary };

const port = parentPort!;
const input = workerData as ParserThreadInput;
const post = (message: FromParser, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** The main thread's messages, waited for one at a time. */
const inbox: ToParser[] = [];
let delivered: (() => void) | null = null;
/**
 * COPY text is encoded into these buffers, each transferred to the main thread and back once
 * written: no buffer is allocated per chunk, so none waits for the main thread's (rare)
 * collections as garbage outside its heap.
 */
const copyBuffers: Uint8Array[] = Array.from({ length: input.copyChunks }, () => new Uint8Array(input.copyChunkBytes));
port.on('message', (message: ToParser) => {
  if (message.kind === 'written') {
    // A buffer of another size held one row longer than a chunk: it is not kept.
    if (message.buffer.byteLength === input.copyChunkBytes) copyBuffers.push(new Uint8Array(message.buffer));
  } else inbox.push(message);
  delivered?.();
  delivered = null;
});
const nextDelivery = () => new Promise<void>((resolve) => (delivered = resolve));

async function* ranges(): AsyncGenerator<Uint8Array> {
  for (;;) {
    while (inbox.length === 0) await nextDelivery();
    const message = inbox.shift()!;
    if (message.kind !== 'bytes') return;
    const bytes = new Uint8Array(message.buffer, 0, message.length);
    for (let at = 0; at < bytes.length; at += input.pieceBytes) yield bytes.subarray(at, at + input.pieceBytes);
    // The decoder has copied the last piece into a string: the main thread may refill the buffer.
    post({ kind: 'free', buffer: message.buffer }, [message.buffer]);
  }
}

async function run(): Promise<void> {
  const encoder = new TextEncoder();
  let out: Uint8Array | null = null;
  let used = 0;
  const counts: RowCounts = { rowsRead: 0, badRows: 0 };
  const send = (buffer: ArrayBuffer, length: number) =>
    port.postMessage({ kind: 'copy', buffer, length, rows: counts.rowsRead, badRows: counts.badRows } satisfies FromParser, [buffer]);
  const flush = () => {
    if (out !== null && used > 0) send(out.buffer as ArrayBuffer, used);
    else if (out !== null) copyBuffers.push(out);
    out = null;
    used = 0;
  };
  /** Encodes a row into the current buffer; false when it does not fit there. */
  const encode = (row: string): boolean => {
    if (out === null) {
      const next = copyBuffers.pop();
      if (next === undefined) return false;
      out = next;
    }
    // A prefix written past `used` by a row that did not fit is overwritten by the next buffer's use.
    const { read, written } = encoder.encodeInto(row, out.subarray(used));
    if (read < row.length) return false;
    used += written;
    return true;
  };
  const addSlowly = async (row: string) => {
    flush();
    while (copyBuffers.length === 0) await nextDelivery();
    if (encode(row)) return;
    // Longer than a whole buffer (an endpoint near the row limit): sent in a buffer of its own.
    const bytes = encoder.encode(row);
    send(bytes.buffer as ArrayBuffer, bytes.length);
  };
  const events = parseMapping(ranges(), { format: input.format, serviceName: input.serviceName });
  const walked = await walkRows(events, input, counts, {
    row(nodeId, endpoint, line) {
      const row = copyRow(nodeId, endpoint, line);
      return encode(row) ? undefined : addSlowly(row);
    },
    badSample: (line, reason) => post({ kind: 'bad', line, reason }),
  });
  if (walked === 'overQuota') {
    post({ kind: 'overQuota' });
    return;
  }
  flush();
  post({ kind: 'summary', summary: walked });
}

// An error ends the thread with it (the main thread's 'error' event fails the load); after the
// summary, the main thread terminates it.
void run();
