import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Config } from '../config';
import type { Database } from '../db';

/** How long the API waits on Temporal before answering without it; tests shorten these. */
export interface ApiTiming {
  /** A forced refresh answers 200 if the node acked within this, else 202. */
  forcedRefreshWaitMs: number;
  /** Each dependency check of /readyz. */
  readinessTimeoutMs: number;
}

export const DEFAULT_TIMING: ApiTiming = { forcedRefreshWaitMs: 5_000, readinessTimeoutMs: 2_000 };

export interface AppDeps {
  db: Database;
  temporal: Client;
  config: Config;
  logger: Logger;
  timing: ApiTiming;
  /** Calls customer URLs (metadata sources, for node pulls) through the network policy, as the worker does. */
  dispatcher: Dispatcher;
}
