import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from './stack/database-url';

const int = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

/** Every setting of every Courier process, read from the environment once, with embedded defaults. */
const ConfigSchema = z.object({
  DATABASE_URL: z.string().url().default(DEFAULT_DATABASE_URL),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  COURIER_TASK_QUEUE: z.string().min(1).default('courier'),
  S3_ENDPOINT: z.string().url().default('http://127.0.0.1:9000'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).default('courier'),
  S3_SECRET_ACCESS_KEY: z.string().min(1).default('courier-secret'),
  COURIER_ADMIN_KEY: z.string().min(16, 'COURIER_ADMIN_KEY must be at least 16 characters').default('courier-dev-admin-key'),
  API_PORT: int(8080, 0),
  API_HOST: z.string().default('127.0.0.1'),
  /** Nodes per shard workflow; see docs/performance.md for the measurement behind the default. */
  COURIER_SHARD_SIZE: int(1000),
  /** Children one workflow supervises before the service fans out through shard groups. */
  COURIER_MAX_CHILDREN: int(200, 2),
  /** Nodes one delivery activity reads and writes per database round trip. */
  COURIER_DELIVERY_BATCH: int(500),
  /** Deliveries in flight at once inside one delivery activity. */
  COURIER_DELIVERY_CONCURRENCY: int(64),
  /** HTTP connections kept alive per origin across all delivery activities of a worker. */
  COURIER_HTTP_CONNECTIONS: int(128),
  COURIER_MAPPING_CHECK_SECONDS: int(60),
  /** Shard workflows report at least this often; one silent for three heartbeats is started again. */
  COURIER_CHILD_HEARTBEAT_SECONDS: int(600, 5),
  /** Requests in flight to one service's metadata source per worker, unless its registration sets metadata.maxConcurrency. */
  COURIER_SOURCE_CONCURRENCY: int(32),
  /** Longest wait between two attempts at a failing node (shorter while its deadline is near). */
  COURIER_RETRY_MAX_SECONDS: int(60),
  /** Failed attempts in a row at a node's primary endpoint before attempts alternate to the service's secondary one. */
  COURIER_SECONDARY_AFTER_ATTEMPTS: int(3, 0),
  /** A new mapping that lists fewer than this fraction of the previous nodes is held, not applied. */
  COURIER_MAPPING_MIN_KEEP_FRACTION: z.coerce.number().min(0).max(1).default(0.5),
  COURIER_MAX_CONCURRENT_ACTIVITIES: int(16),
  COURIER_MAX_CONCURRENT_WORKFLOW_TASKS: int(32),
  /** Forced refreshes in flight at once: the worker's local-activity slots. */
  COURIER_FORCED_CONCURRENCY: int(8),
  /**
   * Whether customer URLs may point at loopback and private ranges. Off by default: on a shared
   * deployment they reach Courier's own network. Local development and tests turn it on.
   */
  COURIER_ALLOW_PRIVATE_NETWORKS: z
    .enum(['true', 'false', '1', '0'], 'must be true or false')
    .transform((v) => v === 'true' || v === '1')
    .default(false),
  /** Buckets mapping URIs may name: comma-separated names or prefixes ending in `*`. */
  COURIER_MAPPING_BUCKETS: z
    .string()
    .default('courier-mappings')
    .transform((v) => v.split(',').map((b) => b.trim()).filter((b) => b !== ''))
    .refine((list) => list.length > 0, 'must name at least one bucket (or * for any)'),
  /** Requests per second each API key may make, sustained, and at once after a pause. */
  COURIER_RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(20),
  COURIER_RATE_LIMIT_BURST: int(100),
  /** Where the worker serves /metrics and /healthz; port 0 turns the server and the node gauges off. */
  COURIER_WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  COURIER_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** How often a worker recounts the node gauges (one grouped query over all nodes); 0 turns its collector off. */
  COURIER_NODE_GAUGE_SECONDS: int(30, 0),
  /** How often the notifier folds alert events into notifications and sends them. */
  COURIER_NOTIFY_EVERY_SECONDS: int(5),
  /** At most one notification per service and kind this often: a storm becomes one summary per window. */
  COURIER_NOTIFY_COALESCE_SECONDS: int(60, 0),
  /** A webhook or email still failing after this long is marked failed (it stays in the delivery log). */
  /** How often the notifier marks breaches no delivery attempt recorded (workers down, a shard gone). */
  COURIER_BREACH_SWEEP_SECONDS: int(30),
  COURIER_NOTIFY_GIVE_UP_HOURS: z.coerce.number().positive().default(24),
  /** SMTP server for email notifications, e.g. smtp://user:pass@mail.example.com:587; unset, emails fail visibly. */
  COURIER_SMTP_URL: z.string().url().optional(),
  COURIER_SMTP_FROM: z.string().min(3).default('Courier <courier@localhost>'),
  COURIER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The Temporal the local stack runs: the dev server (SQLite), or the server on the stack's PostgreSQL, as deployed. */
  COURIER_STACK_TEMPORAL: z.enum(['dev', 'postgres']).default('dev'),
  /** History shards of the PostgreSQL-backed Temporal (fixed once its database exists). */
  COURIER_STACK_TEMPORAL_SHARDS: int(4),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
