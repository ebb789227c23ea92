import { ConfigError } from '../config';
import { StackError } from './errors';

const SAME_SIGNAL_MS = 1000;

/** What a long-running command must undo when it ends, latest first. */
export class Lifecycle {
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private ending: Promise<never> | undefined;

  onShutdown(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  /** Runs the cleanups once, then exits; a second Ctrl-C while they run exits at once. */
  shutdown(exitCode: number): Promise<never> {
    this.ending ??= (async () => {
      for (const cleanup of [...this.cleanups].reverse()) {
        try {
          await cleanup();
        } catch (err) {
          console.error(`while stopping: ${describe(err)}`);
        }
      }
      process.exit(exitCode);
    })();
    return this.ending;
  }

  /** Reports a failure the way a person should read it, then shuts down with a failure code. */
  fail(err: unknown): Promise<never> {
    // The first failure is the cause; what follows while stopping is its consequence.
    if (!this.ending) console.error(`\n${describe(err)}`);
    return this.shutdown(1);
  }
}

/**
 * Runs a command-line entry point: Ctrl-C or SIGTERM stop everything it started, a mistake of
 * the user's prints as a message without a stack trace.
 */
export function runMain(main: (lifecycle: Lifecycle) => Promise<void>): void {
  const lifecycle = new Lifecycle();
  let firstSignalAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (firstSignalAt === undefined) {
        firstSignalAt = Date.now();
        console.error(`\n${signal}: stopping everything (Ctrl-C again to kill at once)`);
        void lifecycle.shutdown(0);
        // One Ctrl-C can arrive twice: from the terminal and relayed by npm or tsx.
      } else if (Date.now() - firstSignalAt > SAME_SIGNAL_MS) {
        console.error('stopping now (the remaining processes are killed)');
        process.exit(1);
      }
    });
  }
  main(lifecycle).catch((err: unknown) => lifecycle.fail(err));
}

function describe(err: unknown): string {
  if (err instanceof StackError || err instanceof ConfigError) return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
