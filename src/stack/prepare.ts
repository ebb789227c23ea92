/**
 * `node dist/stack/prepare.js`: readies a deployment's external servers for Courier, idempotently:
 * Courier's search attributes on the Temporal namespace and the mappings bucket on S3.
 * (The database is migrated by `prisma migrate deploy`.) Waits for Temporal to come up.
 */
import { loadConfig } from '../config';
import { runMain } from './main';
import { ensureMappingsBucket, MAPPINGS_BUCKET } from './s3';
import { registerSearchAttributes } from './temporal';
import { waitUntil } from './wait';

runMain(async (lifecycle) => {
  const config = loadConfig();
  let added: string[] = [];
  await waitUntil(
    `Temporal at ${config.TEMPORAL_ADDRESS} to register search attributes`,
    async () => {
      added = await registerSearchAttributes(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
      return true;
    },
    { timeoutMs: 180_000, everyMs: 2000 },
  );
  console.log(`temporal: search attributes ${added.length > 0 ? `added: ${added.join(', ')}` : 'already registered'}`);

  // With a bucket-events target configured on the server (COURIER_BUCKET_EVENTS_ARN), the bucket
  // sends it every mapping written or removed.
  const eventsArn = process.env.COURIER_BUCKET_EVENTS_ARN || undefined;
  await ensureMappingsBucket(
    { endpoint: config.S3_ENDPOINT, region: config.S3_REGION, accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
    eventsArn,
  );
  console.log(`s3: bucket '${MAPPINGS_BUCKET}' ready at ${config.S3_ENDPOINT}${eventsArn ? `, events to ${eventsArn}` : ''}`);
  await lifecycle.shutdown(0);
});
