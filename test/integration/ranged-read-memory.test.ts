/**
 * A ranged read's memory outside V8's heap is bounded by its ranges in flight, not by the object:
 * the socket's chunks of each range are freed once it is copied (collectSocketChunks in
 * src/activities/s3-ranges.ts). Measured in a child process started with the worker's node flags,
 * against real MinIO. On this 64 MiB object the probe peaked at 39-43 MB with the per-range
 * collection and at 84-99 MB without it (`--expose-gc` dropped): the chunks of the whole object
 * waited for V8's limit for memory outside its heap.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/activities/s3';
import { loadConfig } from '../../src/config';
import { WORKER_NODE_FLAGS } from '../../src/stack/worker-memory';

const BUCKET = 'courier-mappings';
const KEY = `ranged-read-memory-${Date.now().toString(36)}/object.bin`;
const OBJECT_BYTES = 64 * 1024 * 1024;
/** 16 MiB of range buffers (4 of 4 MiB), the socket chunks of the 4 ranges in flight, the SDK's own. */
const BOUND_MB = 56;

const s3 = createS3Client(loadConfig());

beforeAll(async () => {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: randomBytes(OBJECT_BYTES) }));
}, 60_000);
afterAll(async () => {
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY }));
  s3.destroy();
});

test('a 64 MiB object read in ranges holds under 56 MB outside the heap at its peak', async () => {
  const probe = join(__dirname, '..', 'support', 'ranged-read-probe.ts');
  const { stdout } = await promisify(execFile)(process.execPath, [...WORKER_NODE_FLAGS, '--import', 'tsx', probe, BUCKET, KEY], {
    env: process.env,
  });
  const measured = JSON.parse(stdout.trim().split('\n').pop()!) as { bytes: number; peakArrayBuffersMb: number; gcExposed: boolean };
  expect(measured.gcExposed).toBe(true);
  expect(measured.bytes).toBe(OBJECT_BYTES);
  expect(measured.peakArrayBuffersMb).toBeLessThan(BOUND_MB);
}, 120_000);
