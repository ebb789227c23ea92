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
  /** Keep-alive HTTP connections shared by every delivery of this worker. */
  dispatcher: Dispatcher;
  config: Config;
}

/** Every activity, built from its dependencies so tests can hand in real ones of their own. */
export function createActivities({ db, s3, temporal, dispatcher, config }: ActivityDeps): CourierActivities {
  return {
    ...createMappingActivities({
      db,
      s3,
      shardSize: config.COURIER_SHARD_SIZE,
      minKeepFraction: config.COURIER_MAPPING_MIN_KEEP_FRACTION,
    }),
    ...createDeliveryActivities({
      pool: db.pool,
      dispatcher,
      batchSize: config.COURIER_DELIVERY_BATCH,
      concurrency: config.COURIER_DELIVERY_CONCURRENCY,
      maxRunMs: 60_000,
    }),
    ...createControlActivities({ pool: db.pool, temporal }),
  };
}
