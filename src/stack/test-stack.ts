/**
 * `npm run test:stack`: keeps the integration tests' servers up on their ports, so each test run
 * reuses them instead of starting its own (seconds instead of tens of seconds per run).
 * Its data persists in .data/test-stack until you delete the folder.
 */
import { StackError } from './errors';
import { runMain } from './main';
import { consoleOutput } from './output';
import { startBucketEventsReceiver } from './bucket-events-receiver';
import { TEST_STACK_DATA_DIR, testBucketEvents, testPorts } from './profiles';
import { startStack } from './stack';

runMain(async (lifecycle) => {
  const bucketEvents = testBucketEvents();
  const stack = await startStack({
    dataDir: TEST_STACK_DATA_DIR,
    ports: testPorts(),
    bucketEvents,
    output: consoleOutput(),
    onUnexpectedExit: (exited) => void lifecycle.fail(new StackError(exited.exitReport())),
  });
  const receiver = await startBucketEventsReceiver({ ...process.env, ...stack.env }, bucketEvents.receiverPort);
  lifecycle.onShutdown(() => receiver.stop().finally(() => stack.stop()));
  console.log(`\nTest stack up; \`npm test\` and \`npx jest --selectProjects integration\` reuse it. Ctrl-C stops it.`);
  for (const [name, value] of Object.entries(stack.env)) console.log(`  ${name}=${value}`);
});
