import { releaseTestStack } from './stack-env';

/** Stops what the global setup started; servers it reused keep running. */
export default async function globalTeardown(): Promise<void> {
  await releaseTestStack();
}
