/**
 * Reads one object the way a mapping load does (rangedBody, 4 MiB ranges, 3 ahead), handing each
 * range's buffer straight back, and prints what the read used outside V8's heap at its peak:
 * `process.memoryUsage().arrayBuffers`, sampled after every range and every 5 ms. Run as a child
 * process by test/integration/ranged-read-memory.test.ts, with the node flags the worker runs with.
 *
 * Arguments: bucket, key. S3 settings from the environment, as the worker's.
 */
import { createS3Client, headObject } from '../../src/activities/s3';
import { RangeBuffers, rangedBody } from '../../src/activities/s3-ranges';
import { loadConfig } from '../../src/config';
import { parseS3Uri } from '../../src/domain/s3-uri';

const MIB = 1024 * 1024;

async function main(): Promise<void> {
  const [bucket, key] = process.argv.slice(2);
  const s3 = createS3Client(loadConfig());
  const at = parseS3Uri(`s3://${bucket}/${key}`);
  const head = await headObject(s3, at);
  const read = { rangeBytes: 4 * MIB, inFlight: 3 };
  const buffers = new RangeBuffers(read);
  let peak = 0;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().arrayBuffers));
  const sampler = setInterval(sample, 5);
  let bytes = 0;
  for await (const range of rangedBody(s3, at, { etag: head.etag, size: head.size! }, read, buffers)) {
    bytes += range.length;
    sample();
    buffers.give(range.buffer as ArrayBuffer);
  }
  clearInterval(sampler);
  s3.destroy();
  console.log(JSON.stringify({ bytes, peakArrayBuffersMb: peak / MIB, gcExposed: typeof globalThis.gc === 'function' }));
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
