import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { Transporter } from 'nodemailer';
import type { Dispatcher } from 'undici';
import { quotaDefaults, secretsKeyring, type Config } from '../config';
import { DEFAULT_RETRY_TIMING } from '../domain/deadlines';
import type { Database } from '../db';
import type { WorkerMetrics } from '../observability/worker-metrics';
import { createControlActivities } from './control';
import { createDeliveryActivities } from './delivery';
import { createFleetActivities } from './fleet';
import { SourceLimiter } from '../engine/delivery/source-limiter';
import { FairPacer } from '../domain/pacing';
import { createMappingActivities } from './mapping';
import { createSmallMappingActivities } from './mapping-small';
import { createNotificationActivities } from './notifications';
import type { CourierActivities } from './types';

export interface ActivityDeps {
  db: Database;
  s3: S3Client;
  temporal: Client;
  /**
   * Keep-alive HTTP connections shared by every delivery of this worker. Forced refreshes have
   * their own: behind the bulk connections they would queue after up to a thousand requests to
   * the same origin (the metadata source, a node fleet behind one gateway).
   */
  dispatchers: { bulk: Dispatcher; forcedRefresh: Dispatcher };
  /** Webhooks: few, slow-answering customer endpoints, kept off the delivery connections. */
  notificationDispatcher: Dispatcher;
  /** Null when the deployment configures no SMTP server; email notifications then fail visibly. */
  mailer: Transporter | null;
  config: Config;
  metrics: WorkerMetrics;
  /** Workers sharing a customer's metadata-source limits (live-workers.ts); 1 when not told. */
  liveWorkers?: () => number;
}

/** Every activity, built from its dependencies so tests can hand in real ones of their own. */
export function createActivities(deps: ActivityDeps): CourierActivities {
  const { db, s3, temporal, dispatchers, config, metrics } = deps;
  const keyring = secretsKeyring(config);
  const mapping = {
    db,
    s3,
    shardSize: config.COURIER_SHARD_SIZE,
    minKeepFraction: config.COURIER_MAPPING_MIN_KEEP_FRACTION,
    mappingBuckets: config.COURIER_MAPPING_BUCKETS,
    quotaDefaults: quotaDefaults(config),
    metrics,
  };
  return timed(metrics, {
    ...createMappingActivities(mapping),
    ...createSmallMappingActivities(mapping),
    ...createDeliveryActivities({
      pool: db.pool,
      dispatchers,
      batchSize: config.COURIER_DELIVERY_BATCH,
      concurrency: config.COURIER_DELIVERY_CONCURRENCY,
      secondaryAfterAttempts: config.COURIER_SECONDARY_AFTER_ATTEMPTS,
      maxRunMs: 60_000,
      retry: { ...DEFAULT_RETRY_TIMING, maxMs: config.COURIER_RETRY_MAX_SECONDS * 1000, deadMaxMs: config.COURIER_DEAD_RETRY_MAX_SECONDS * 1000 },
      sourceLimiter: new SourceLimiter(config.COURIER_SOURCE_CONCURRENCY, deps.liveWorkers),
      metrics,
      keyring,
    }),
    ...createControlActivities({ pool: db.pool, temporal, refreshPacer: new FairPacer(config.COURIER_REFRESH_RATE) }),
    ...createNotificationActivities({
      pool: db.pool,
      dispatcher: deps.notificationDispatcher,
      mailer: deps.mailer,
      mailFrom: config.COURIER_SMTP_FROM,
      coalesceMs: config.COURIER_NOTIFY_COALESCE_SECONDS * 1000,
      giveUpMs: config.COURIER_NOTIFY_GIVE_UP_HOURS * 3600_000,
      timeoutMs: config.COURIER_NOTIFY_TIMEOUT_SECONDS * 1000,
      concurrency: config.COURIER_NOTIFY_CONCURRENCY,
      perService: config.COURIER_NOTIFY_PER_SERVICE,
      keyring,
      metrics,
    }),
    ...createFleetActivities({
      pool: db.pool,
      s3,
      temporal,
      maxChildren: config.COURIER_MAX_CHILDREN,
      cadence: {
        nodeGaugesMs: config.COURIER_NODE_GAUGE_SECONDS * 1000,
        breachSweepMs: config.COURIER_BREACH_SWEEP_SECONDS * 1000,
        reconcileMs: config.COURIER_RECONCILE_SECONDS * 1000,
        reconcileGraceMs: config.COURIER_RECONCILE_GRACE_SECONDS * 1000,
        resyncMs: config.COURIER_MAPPING_RESYNC_SECONDS * 1000,
      },
    }),
  });
}

/** Each activity observed into `courier_activity_seconds`, whether it returns or throws. */
function timed(metrics: WorkerMetrics, activities: CourierActivities): CourierActivities {
  const wrap = <I, O>(activity: string, run: (input: I) => Promise<O>) =>
    async (input: I): Promise<O> => {
      const end = metrics.activitySeconds.startTimer({ activity });
      try {
        const output = await run(input);
        end({ outcome: 'ok' });
        return output;
      } catch (err) {
        end({ outcome: 'error' });
        throw err;
      }
    };
  return Object.fromEntries(
    Object.entries(activities).map(([name, run]) => [name, wrap(name, run as (input: unknown) => Promise<unknown>)]),
  ) as unknown as CourierActivities;
}
