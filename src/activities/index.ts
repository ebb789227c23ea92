import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { Dispatcher } from 'undici';
import type { Config } from '../config';
import type { Database } from '../db';
import { createControlActivities } from './control';
import { createDeliveryActivities } from './delivery';
import { createMappingActivities } from './mapping';
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
  dispatchers: { bulk: Dispatcher; forced: Dispatcher };
  config: Config;
}

/** Every activity, built from its dependencies so tests can hand in real ones of their own. */
export function createActivities({ db, s3, temporal, dispatchers, config }: ActivityDeps): CourierActivities {
  return {
    ...createMappingActivities({
      db,
      s3,
      shardSize: config.COURIER_SHARD_SIZE,
      minKeepFraction: config.COURIER_MAPPING_MIN_KEEP_FRACTION,
      mappingBuckets: config.COURIER_MAPPING_BUCKETS,
    }),
    ...createDeliveryActivities({
      pool: db.pool,
      dispatchers,
      batchSize: config.COURIER_DELIVERY_BATCH,
      concurrency: config.COURIER_DELIVERY_CONCURRENCY,
      secondaryAfterAttempts: config.COURIER_SECONDARY_AFTER_ATTEMPTS,
      maxRunMs: 60_000,
    }),
    ...createControlActivities({ pool: db.pool, temporal }),
  };
}
