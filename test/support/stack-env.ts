import type { Stack } from '../../src/stack/stack';

/**
 * Jest runs globalSetup and globalTeardown in one process and shares only its globals between
 * them: the test stack and the environment it replaced are kept here in between.
 */
interface Kept {
  stack: Stack;
  replacedEnv: Record<string, string | undefined>;
}

const KEY = Symbol.for('courier.testStack');
const store = globalThis as typeof globalThis & { [KEY]?: Kept };

/** Publishes the stack's addresses to the test files and to every process they start. */
export function useTestStack(stack: Stack): void {
  const env = {
    ...stack.env,
    COURIER_TEST_STACK: '1',
    // Every test file calls from 127.0.0.1, many with bad keys on purpose: one address's failures
    // would otherwise lock out the others. test/integration/hostile/limits.test.ts sets its own.
    COURIER_AUTH_FAILURES_PER_MINUTE: process.env.COURIER_AUTH_FAILURES_PER_MINUTE ?? '100000',
  };
  const replacedEnv = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  store[KEY] = { stack, replacedEnv };
}

/** Stops the stack and puts the environment back, so a watch-mode rerun starts clean. */
export async function releaseTestStack(): Promise<void> {
  const kept = store[KEY];
  if (!kept) return;
  delete store[KEY];
  for (const [name, value] of Object.entries(kept.replacedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await kept.stack.stop();
}
