import { CreateBucketCommand, HeadBucketCommand, PutBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../activities/s3';
import { StackError } from './errors';

/** The bucket Courier's mapping objects live in. */
export const MAPPINGS_BUCKET = 'courier-mappings';

export interface S3Settings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The client Courier's workers use (src/activities/s3.ts), from the stack's settings. */
export function s3Client(settings: S3Settings): S3Client {
  return createS3Client({
    S3_ENDPOINT: settings.endpoint,
    S3_REGION: settings.region,
    S3_ACCESS_KEY_ID: settings.accessKeyId,
    S3_SECRET_ACCESS_KEY: settings.secretAccessKey,
  });
}

/** The bucket, and with `eventsArn` its notifications of written and removed objects sent to that target. */
export async function ensureMappingsBucket(settings: S3Settings, eventsArn?: string): Promise<void> {
  const client = s3Client(settings);
  try {
    await client.send(new HeadBucketCommand({ Bucket: MAPPINGS_BUCKET })).catch(async (err: unknown) => {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err;
      await client.send(new CreateBucketCommand({ Bucket: MAPPINGS_BUCKET }));
    });
    if (eventsArn) {
      await client.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: MAPPINGS_BUCKET,
          NotificationConfiguration: {
            QueueConfigurations: [{ Id: 'courier-mappings', QueueArn: eventsArn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }],
          },
        }),
      );
    }
  } catch (err) {
    const reason = (err as Error).message || (err as Error).name;
    throw new StackError(
      `The S3 server at ${settings.endpoint} refused to show or create the bucket '${MAPPINGS_BUCKET}' for access key '${settings.accessKeyId}': ${reason}`,
    );
  } finally {
    client.destroy();
  }
}
