import { mkdirSync } from 'node:fs';
import { stackAdminKey } from './admin-key';
import { loadConfig, type Config } from '../config';
import { StackError } from './errors';
import { applyMigrations } from './migrate';
import { BUCKET_EVENTS_ARN, startMinio, type BucketEventsTarget } from './minio';
import type { Output } from './output';
import { startPostgres } from './postgres';
import { Supervisor, type Supervised } from './processes';
import { ensureMappingsBucket } from './s3';
import { checkTemporal, startTemporal } from './temporal';
import { startTemporalOnPostgres } from './temporal-postgres';

export interface StackPorts {
  postgres: number;
  temporal: number;
  minio: number;
}

/** Ports of the web consoles; without them the servers run headless. */
export interface StackUi {
  temporal: number;
  minioConsole: number;
}

export interface StackOptions {
  dataDir: string;
  ports: StackPorts;
  ui?: StackUi;
  output: Output;
  /** Empty the data of every server this call starts (servers it reuses are left alone). */
  fresh?: boolean;
  /**
   * DATABASE_URL, TEMPORAL_ADDRESS or S3_ENDPOINT set here name external servers: those are used
   * as they are and not started.
   */
  env?: NodeJS.ProcessEnv;
  /** Where MinIO sends the mapping bucket's notifications: the API's /v1/mapping-events. */
  bucketEvents?: BucketEventsTarget;
  onUnexpectedExit?: (exited: Supervised) => void;
}

/** What Courier's processes need to reach the stack, as environment variables. */
export interface StackEnv {
  DATABASE_URL: string;
  TEMPORAL_ADDRESS: string;
  S3_ENDPOINT: string;
  S3_REGION: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  COURIER_ALLOW_PRIVATE_NETWORKS: string;
  /** Set when the stack's MinIO sends bucket events: the token they carry. */
  COURIER_BUCKET_EVENTS_TOKEN?: string;
  COURIER_ADMIN_KEY: string;
  COURIER_SECRETS_KEY: string;
}

/** The dev and test stacks' secrets key: known to everyone, so never a deployment's. */
const DEV_SECRETS_KEY = 'Y291cmllci1kZXYtc2VjcmV0cy1rZXktbm90LXNlY3I=';

export interface Stack {
  env: StackEnv;
  /** Supervises the servers; processes started on it later are stopped before them. */
  supervisor: Supervisor;
  stop(): Promise<void>;
}

/**
 * PostgreSQL, Temporal and MinIO started side by side (or reused, or external), then the
 * database migrated: what every Courier process needs, ready to use.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  const { output, ports, ui, dataDir } = options;
  const fresh = options.fresh ?? false;
  // While starting, a server that exits is reported by the wait for it, with its output.
  let started = false;
  const supervisor = new Supervisor({ output, onUnexpectedExit: (exited) => started && options.onUnexpectedExit?.(exited) });
  const common = { supervisor, output, dataDir, fresh };
  const credentials = { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY, region: config.S3_REGION };
  mkdirSync(dataDir, { recursive: true });

  const postgres = env.DATABASE_URL ? external(output, 'postgres', env.DATABASE_URL) : startPostgres({ ...common, port: ports.postgres });
  const outcomes = await Promise.allSettled([
    postgres,
    env.TEMPORAL_ADDRESS
      ? checkTemporal(env.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE).then(() => external(output, 'temporal', env.TEMPORAL_ADDRESS!))
      : // Temporal on PostgreSQL needs the stack's own, up first.
        (config.COURIER_STACK_TEMPORAL === 'postgres' ? postgres.then(() => ownPostgresOnly(env)) : Promise.resolve()).then(() =>
          startOwnTemporal(config, common, ports, ui?.temporal),
        ),
    (env.S3_ENDPOINT
      ? external(output, 's3', env.S3_ENDPOINT)
      : startMinio({ ...common, port: ports.minio, consolePort: ui?.minioConsole, credentials, bucketEvents: options.bucketEvents })
    ).then(async (endpoint) => {
      await ensureMappingsBucket({ endpoint, ...credentials }, options.bucketEvents && !env.S3_ENDPOINT ? BUCKET_EVENTS_ARN : undefined);
      return endpoint;
    }),
  ]);
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : []));
  const [databaseUrl, temporalAddress, s3Endpoint] = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : ''));
  try {
    if (failures.length > 0) throw failures.length === 1 ? failures[0] : new StackError(failures.map((f) => f.message).join('\n\n'));
    await applyMigrations(databaseUrl!, output);
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  started = true;

  return {
    env: {
      DATABASE_URL: databaseUrl!,
      TEMPORAL_ADDRESS: temporalAddress!,
      S3_ENDPOINT: s3Endpoint!,
      S3_REGION: credentials.region,
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      // The simulators listen on loopback; a deployment's own setting wins.
      COURIER_ALLOW_PRIVATE_NETWORKS: env.COURIER_ALLOW_PRIVATE_NETWORKS ?? 'true',
      ...(options.bucketEvents ? { COURIER_BUCKET_EVENTS_TOKEN: options.bucketEvents.token } : {}),
      COURIER_ADMIN_KEY: stackAdminKey(dataDir, env),
      COURIER_SECRETS_KEY: env.COURIER_SECRETS_KEY ?? DEV_SECRETS_KEY,
    },
    supervisor,
    stop: () => supervisor.stop(),
  };
}

function ownPostgresOnly(env: NodeJS.ProcessEnv): void {
  if (env.DATABASE_URL) throw new StackError("COURIER_STACK_TEMPORAL=postgres runs Temporal on the stack's own PostgreSQL; unset DATABASE_URL, or set TEMPORAL_ADDRESS to a Temporal of your own.");
}

/** The stack's own Temporal, as COURIER_STACK_TEMPORAL says: the dev server, or the server on the stack's PostgreSQL. */
export function startOwnTemporal(
  config: Config,
  common: { supervisor: Supervisor; output: Output; dataDir: string; fresh: boolean },
  ports: StackPorts,
  uiPort?: number,
): Promise<string> {
  return config.COURIER_STACK_TEMPORAL === 'postgres'
    ? startTemporalOnPostgres({ ...common, port: ports.temporal, postgresPort: ports.postgres, historyShards: config.COURIER_STACK_TEMPORAL_SHARDS })
    : startTemporal({ ...common, port: ports.temporal, uiPort });
}

async function external(output: Output, what: string, address: string): Promise<string> {
  // Credentials in a URL stay out of the log.
  output.info(`${what}: using the external server ${address.replace(/\/\/[^@/]*@/, '//')}`);
  return address;
}
