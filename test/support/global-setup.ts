import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { StackError } from '../../src/stack/errors';
import { fileOutput } from '../../src/stack/output';
import { ROOT } from '../../src/stack/paths';
import { startBucketEventsReceiver } from '../../src/stack/bucket-events-receiver';
import { TEST_DATA_DIR, testBucketEvents, testPorts } from '../../src/stack/profiles';
import { runCommand } from '../../src/stack/run';
import { startStack } from '../../src/stack/stack';
import { useTestStack } from './stack-env';
import { WORKFLOW_BUNDLE } from './worker-process';

/** Where the servers this setup starts keep their data; emptied when it starts them. */
const SERVERS_DIR = join(TEST_DATA_DIR, 'servers');

/**
 * The integration tests' stack: real PostgreSQL, Temporal (headless) and MinIO on the test ports,
 * from empty data each run. Servers already answering there (`npm run test:stack`, or another
 * test run) are reused, and their data left alone.
 */
export default async function globalSetup(): Promise<void> {
  const began = Date.now();
  emptyScratch();
  const logDir = join(TEST_DATA_DIR, 'logs');
  const say = (line: string) => console.log(`test stack: ${line}`);
  console.log('');
  try {
    const bucketEvents = testBucketEvents();
    const stack = await startStack({
      dataDir: SERVERS_DIR,
      ports: testPorts(),
      bucketEvents,
      fresh: true,
      output: fileOutput(logDir, say),
      onUnexpectedExit: (exited) =>
        console.error(`test stack: ${exited.name} ${exited.describeExit()} during the tests; see ${relative(ROOT, join(logDir, exited.name))}.log`),
    });
    const receiver = await startBucketEventsReceiver({ ...process.env, ...stack.env }, bucketEvents.receiverPort);
    useTestStack({ ...stack, stop: () => receiver.stop().finally(() => stack.stop()) });
    say('bundling workflows for the worker processes');
    await runCommand('workflow bundling', process.execPath, ['--import', 'tsx', join(ROOT, 'src/stack/workflow-bundle.ts'), WORKFLOW_BUNDLE]);
  } catch (err) {
    // Jest prints a stack trace for any error; a StackError's message is what a person needs.
    if (err instanceof StackError) err.stack = `${err.message}\n(server logs: ${relative(ROOT, logDir)})`;
    throw err;
  }
  say(`ready in ${((Date.now() - began) / 1000).toFixed(1)} s (server logs: ${relative(ROOT, logDir)})`);
}

/** Everything in .data/test but the servers' data: what tests write there is per run. */
function emptyScratch(): void {
  mkdirSync(TEST_DATA_DIR, { recursive: true });
  for (const entry of readdirSync(TEST_DATA_DIR)) {
    if (join(TEST_DATA_DIR, entry) !== SERVERS_DIR) rmSync(join(TEST_DATA_DIR, entry), { recursive: true, force: true });
  }
}
