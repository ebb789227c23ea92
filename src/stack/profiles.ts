import { join } from 'node:path';
import { StackError } from './errors';
import { ROOT } from './paths';
import type { StackPorts, StackUi } from './stack';

/** `npm run dev`: the ports src/config.ts defaults to, data kept across runs. */
export const DEV = {
  dataDir: join(ROOT, '.data', 'dev'),
  ports: { postgres: 5433, temporal: 7233, minio: 9000 } satisfies StackPorts,
  ui: { temporal: 8233, minioConsole: 9001 } satisfies StackUi,
};

/** A token for the dev and test stacks' bucket events only: deployments set COURIER_BUCKET_EVENTS_TOKEN. */
const LOCAL_BUCKET_EVENTS_TOKEN = 'courier-local-bucket-events-token';

/** `npm run dev`: MinIO tells the API of every mapping written or removed. */
export const devBucketEvents = (apiPort: number) => ({
  url: `http://127.0.0.1:${apiPort}/v1/mapping-events`,
  token: LOCAL_BUCKET_EVENTS_TOKEN,
});

/**
 * Tests: MinIO tells a receiver the test setup runs on this port (src/stack/bucket-events-receiver.ts);
 * service workflows are signalled by id, so one receiver serves every test's engine.
 */
export function testBucketEvents(env: NodeJS.ProcessEnv = process.env) {
  const receiverPort = port(env, 'COURIER_TEST_EVENTS_PORT', 9004);
  return { url: `http://127.0.0.1:${receiverPort}/v1/mapping-events`, token: LOCAL_BUCKET_EVENTS_TOKEN, receiverPort };
}

/** Integration tests: their scratch files, and the data of the servers they start fresh each run. */
export const TEST_DATA_DIR = join(ROOT, '.data', 'test');
/** `npm run test:stack` keeps a stack up here, for the tests to reuse between runs. */
export const TEST_STACK_DATA_DIR = join(ROOT, '.data', 'test-stack');

/** Ports of the test stack, apart from the dev stack's so both can run at once. */
export function testPorts(env: NodeJS.ProcessEnv = process.env): StackPorts {
  return {
    postgres: port(env, 'COURIER_TEST_PG_PORT', 5434),
    temporal: port(env, 'COURIER_TEST_TEMPORAL_PORT', 7234),
    minio: port(env, 'COURIER_TEST_MINIO_PORT', 9002),
  };
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new StackError(`${name} must be a port number, not '${value}'`);
  return n;
}
