/**
 * The parser thread against a writer that holds what it was given after acknowledging it, as a
 * socket does with a write below its high-water mark: the COPY text that reaches the writer is
 * whole, row for row, even though the thread refills each buffer as soon as it comes back.
 */
import { Registry, Gauge } from 'prom-client';
import { copyRow } from '../../../src/activities/copy-row';
import { parseInThread, PARSER_THREAD_LIMITS } from '../../../src/activities/mapping-parser';
import { RangeBuffers } from '../../../src/activities/s3-ranges';

const ROWS = 20_000;
const nodeId = (i: number) => `node-${i}.bench.internal`;

async function* rangesOf(text: Buffer, buffers: RangeBuffers, rangeBytes: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < text.length; at += rangeBytes) {
    const piece = text.subarray(at, at + rangeBytes);
    const buffer = await buffers.take();
    buffer.set(piece);
    yield buffer.subarray(0, piece.length);
  }
}

it('hands the writer COPY text that stays whole after its buffer went back to the thread', async () => {
  const object = Buffer.from(Array.from({ length: ROWS }, (_, i) => `${nodeId(i)}\n`).join(''));
  const read = { rangeBytes: 64 * 1024, inFlight: 2 };
  const buffers = new RangeBuffers(read);
  const held: Buffer[] = [];
  const parsed = await parseInThread({
    ranges: rangesOf(object, buffers, read.rangeBytes),
    buffers,
    input: { format: 'lines', serviceName: 'svc', maxRows: ROWS * 2, badRowSamples: 10, copyChunkBytes: 16 * 1024, copyChunks: 2, pieceBytes: 4096 },
    limits: PARSER_THREAD_LIMITS,
    // Acknowledged at once and kept, like a socket still sending.
    write: async (chunk) => void held.push(chunk),
    onRows: () => undefined,
    threads: new Gauge({ name: 'parser_threads_test', help: 'test', registers: [new Registry()] }),
    signal: new AbortController().signal,
  });

  expect(parsed).not.toBe('overQuota');
  const expected = Array.from({ length: ROWS }, (_, i) => copyRow(nodeId(i), null, i + 1)).join('');
  expect(Buffer.concat(held).toString('utf8')).toBe(expected);
});
