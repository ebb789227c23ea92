/**
 * Workflow tests in the SDK's style: a TestWorkflowEnvironment on Courier's own Temporal binary
 * (the dev server scripts/setup.sh builds; the time-skipping test server is a download this
 * machine cannot make), a Worker with the real workflow bundle and fake activities
 * (test/support/fake-activities.ts). No PostgreSQL, no S3. Time is real, so tests use short
 * due times and read longer timers from the history instead of waiting for them.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, makeTelemetryFilterString, Runtime, Worker } from '@temporalio/worker';
import { quickTaskQueue } from '../../src/domain/task-queues';
import { toolPath } from '../../src/stack/tools';
import { customerIdKey, serviceIdKey, shardKey } from '../../src/workflows/search-attributes';
import { eventually } from './eventually';
import { FakeActivities } from './fake-activities';
import { WORKFLOW_TESTS_BUNDLE } from './workflows-global-setup';

let runtimeInstalled = false;

async function startWorkflowEnv(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    // The SDK logs every worker start and stop, and warns of what tests provoke on purpose
    // (failed activities, a workflow terminated mid-task): errors only.
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: toolPath('temporal') },
      ip: '127.0.0.1',
      searchAttributes: [serviceIdKey, customerIdKey, shardKey],
      log: { format: 'pretty', level: 'error' },
    },
  });
}

/** A test that has not finished by then fails, rather than leaving its worker polling until Jest gives up. */
const TEST_DEADLINE_MS = 60_000;

export interface WorkflowTestContext {
  readonly env: TestWorkflowEnvironment;
  readonly fakes: FakeActivities;
}

/** Registers a test file's hooks: one dev server for the file, fresh fake activities for each test. */
export function workflowTestContext(): WorkflowTestContext {
  let env: TestWorkflowEnvironment | undefined;
  let fakes: FakeActivities | undefined;
  beforeAll(async () => {
    env = await startWorkflowEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  beforeEach(() => {
    fakes = new FakeActivities(env!.client);
  });
  return {
    get env() {
      return env!;
    },
    get fakes() {
      return fakes!;
    },
  };
}

/** Runs `test` with a worker on a task queue of its own (and its quick queue), polling the test's fake activities. */
export async function withWorker<T>(ctx: WorkflowTestContext, test: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `wf-test-${randomUUID()}`;
  const { env, fakes } = ctx;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: WORKFLOW_TESTS_BUNDLE },
    activities: fakes.implementations(),
  });
  // As every Courier worker does, it polls the quick queue too: mapping loads and first runs go there.
  const quick = await Worker.create({ connection: env.nativeConnection, taskQueue: quickTaskQueue(taskQueue), activities: fakes.implementations() });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the test did not finish within ${TEST_DEADLINE_MS} ms`)), TEST_DEADLINE_MS);
  });
  // A held activity is let go whatever the outcome: the worker's shutdown waits for its activities.
  const run = Promise.race([test(taskQueue), deadline]).finally(() => {
    clearTimeout(timer);
    fakes.releaseHolds();
  });
  return quick.runUntil(worker.runUntil(run));
}

export type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** The events of the workflow's current run. */
export async function historyOf(handle: WorkflowHandle): Promise<HistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}

/**
 * Waits until the workflow has run a task after the latest event `what` describes: from then on
 * the workflow code has seen it, so a test can let a held activity go on knowing which came first.
 */
export async function handled(handle: WorkflowHandle, what: string, isEvent: (e: HistoryEvent) => boolean): Promise<void> {
  await eventually(`the workflow to handle ${what}`, async () => {
    const events = await historyOf(handle);
    const at = events.map(isEvent).lastIndexOf(true);
    return at >= 0 && events.slice(at).some((e) => e.workflowTaskCompletedEventAttributes) ? true : undefined;
  }, 10_000, 50);
}

export const signalHandled = (handle: WorkflowHandle, signalName: string): Promise<void> =>
  handled(handle, `the '${signalName}' signal`, (e) => e.workflowExecutionSignaledEventAttributes?.signalName === signalName);

/** The durations of the timers the current run started, in milliseconds. */
export async function timersOf(handle: WorkflowHandle): Promise<number[]> {
  return (await historyOf(handle)).flatMap((e) => {
    const timeout = e.timerStartedEventAttributes?.startToFireTimeout;
    return timeout ? [Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6)] : [];
  });
}

/** Waits, briefly, until `probe` holds: the workflow under test reacts within a task or two. */
export const soon = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> =>
  eventually(what, async () => probe(), 10_000, 50);

/** The ids of the workflow's runs so far, first to latest, following each continue-as-new. */
export async function runsOf(handle: WorkflowHandle & { firstExecutionRunId: string }): Promise<string[]> {
  const runs = [handle.firstExecutionRunId];
  for (;;) {
    const run = handle.client.getHandle(handle.workflowId, runs.at(-1));
    const next = (await historyOf(run)).find((e) => e.workflowExecutionContinuedAsNewEventAttributes)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return runs;
    runs.push(next);
  }
}
