import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors';
import type { Output } from './output';
import type { Supervisor } from './processes';
import type { S3Settings } from './s3';
import { toolPath } from './tools';
import { httpGet, portIsOpen, waitUntil } from './wait';

const START_TIMEOUT_MS = 60_000;

export interface MinioOptions {
  supervisor: Supervisor;
  output: Output;
  dataDir: string;
  port: number;
  /** Console port; none turns the console off. */
  consolePort?: number;
  /** Root user and password of the server: Courier's S3 credentials. */
  credentials: Pick<S3Settings, 'accessKeyId' | 'secretAccessKey'>;
  /** Start from an empty store (tests). */
  fresh: boolean;
  /** Where the mapping bucket's notifications go (see src/stack/s3.ts), queued on disk while it is down. */
  bucketEvents?: BucketEventsTarget;
}

export interface BucketEventsTarget {
  url: string;
  token: string;
}

/** The id of Courier's webhook target inside MinIO; the bucket's notification names it by ARN. */
export const BUCKET_EVENTS_ARN = 'arn:minio:sqs::COURIER:webhook';

/** MinIO as the S3 server. A MinIO already answering on the port is reused. */
export async function startMinio(options: MinioOptions): Promise<string> {
  const { port, output, credentials } = options;
  const endpoint = `http://127.0.0.1:${port}`;
  const healthy = async () => {
    const res = await httpGet(`${endpoint}/minio/health/live`);
    return res.status === 200 && res.headers.get('server') === 'MinIO';
  };

  if (await portIsOpen(port)) {
    if (!(await healthy().catch(() => false))) {
      throw new StackError(`Port ${port} is taken by something that is not MinIO. Stop it, or choose another port.`);
    }
    output.info(`minio: reusing the server on port ${port}`);
  } else {
    const dir = join(options.dataDir, 'minio');
    if (options.fresh) for (const d of [dir, join(options.dataDir, 'minio-events')]) rmSync(d, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    mkdirSync(join(options.dataDir, 'minio-events'), { recursive: true });
    const server = options.supervisor.start({
      name: 'minio',
      command: toolPath('minio'),
      args: ['server', dir, '--address', `127.0.0.1:${port}`, ...(options.consolePort ? ['--console-address', `127.0.0.1:${options.consolePort}`] : [])],
      env: {
        ...process.env,
        MINIO_ROOT_USER: credentials.accessKeyId,
        MINIO_ROOT_PASSWORD: credentials.secretAccessKey,
        MINIO_BROWSER: options.consolePort ? 'on' : 'off',
        MINIO_UPDATE: 'off',
        ...(options.bucketEvents
          ? {
              MINIO_NOTIFY_WEBHOOK_ENABLE_COURIER: 'on',
              MINIO_NOTIFY_WEBHOOK_ENDPOINT_COURIER: options.bucketEvents.url,
              MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_COURIER: `Bearer ${options.bucketEvents.token}`,
              MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_COURIER: join(options.dataDir, 'minio-events'),
            }
          : {}),
      },
    });
    await waitUntil(`MinIO on port ${port}`, healthy, { timeoutMs: START_TIMEOUT_MS, process: server });
    output.info(`minio: ready on ${endpoint}${options.consolePort ? `, console on port ${options.consolePort}` : ''}`);
  }
  return endpoint;
}
