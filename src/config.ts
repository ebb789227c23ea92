import { z } from 'zod';
import type { Quotas } from './domain/tenancy/quotas';
import { parseKeyring, parseMasterKey, type Keyring } from './domain/secret-box';

/** The embedded database's default address (src/stack/profiles.ts starts it on port 5433). */
const DEFAULT_DATABASE_URL = 'postgresql://courier:courier@127.0.0.1:5433/courier';

/** DATABASE_URL alone, for tools that need no other setting (prisma.config.ts). */
export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
}

const int = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

/** Anything shorter than 32 random bytes in base64url, or with few distinct characters, is not a random key. */
const MIN_ADMIN_KEY_LENGTH = 43;
const adminKey = z
  .string()
  .min(MIN_ADMIN_KEY_LENGTH, `must be at least ${MIN_ADMIN_KEY_LENGTH} characters: 32 random bytes, e.g. openssl rand -base64 32`)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (it is sent as a Bearer token)')
  .refine((key) => new Set(key).size >= 12, 'has too few distinct characters to be random bytes: generate it, e.g. openssl rand -base64 32');

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
  /** No default: the API refuses to start without it (the dev and test stacks generate one). */
  COURIER_ADMIN_KEY: adminKey.optional(),
  /**
   * Master key sealing signing and notification secrets at rest, and signing node pull tokens:
   * 32 bytes as base64 or hex. No default: the API and worker refuse to start without it (the dev
   * and test stacks set their own).
   */
  COURIER_SECRETS_KEY: z.string().refine(isMasterKey, 'must be 32 bytes as base64 or 64 hex digits').optional(),
  /** Keys rotated out, comma-separated: rows and pull tokens made under them are still read. */
  COURIER_SECRETS_OLD_KEYS: z
    .string()
    .default('')
    .refine((v) => v.split(',').every((k) => k.trim() === '' || isMasterKey(k)), 'each key must be 32 bytes as base64 or 64 hex digits'),
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
  /** How often the fleet lists the mapping buckets and tells services whose object changed: the safety net under bucket events. */
  COURIER_MAPPING_RESYNC_SECONDS: int(600),
  /** The token S3 bucket notifications present at /v1/mapping-events (`Authorization: Bearer <token>`); unset, the route is closed. */
  COURIER_BUCKET_EVENTS_TOKEN: z.string().min(16, 'COURIER_BUCKET_EVENTS_TOKEN must be at least 16 characters').optional(),
  /** How often the fleet looks for shards that missed their run, and how late one must be to count as missing. */
  COURIER_RECONCILE_SECONDS: int(60),
  COURIER_RECONCILE_GRACE_SECONDS: int(300),
  /** How often each worker's fleet workflow ticks; every duty runs at its own cadence, once per deployment. */
  COURIER_FLEET_TICK_SECONDS: int(15),
  /** Requests in flight to one service's metadata source per worker, unless its registration sets metadata.maxConcurrency. */
  COURIER_SOURCE_CONCURRENCY: int(32),
  /** Longest wait between two attempts at a failing node (shorter while its deadline is near). */
  COURIER_RETRY_MAX_SECONDS: int(60),
  /** Longest wait between two attempts at a long-dead node (expired, or never delivered and failing): its alert is open already, so it must not multiply the load. */
  COURIER_DEAD_RETRY_MAX_SECONDS: int(1800),
  /** Failed attempts in a row at a node's primary endpoint before attempts alternate to the service's secondary one. */
  COURIER_SECONDARY_AFTER_ATTEMPTS: int(3, 0),
  /** A new mapping that lists fewer than this fraction of the previous nodes is held, not applied. */
  COURIER_MAPPING_MIN_KEEP_FRACTION: z.coerce.number().min(0).max(1).default(0.5),
  /**
   * What one worker process takes. `all`, everything. Split between processes: `workflows` runs
   * the workflows, their local activities (forced refreshes) and the quick queue (mapping loads,
   * first runs); `activities` runs the task queue's activities (bulk delivery runs, control,
   * notification and fleet duties). Split, the turns of the event loop a forced refresh waits on
   * are not shared with a thousand bulk deliveries in flight (docs/performance.md §1).
   */
  COURIER_WORKER_ROLE: z.enum(['all', 'workflows', 'activities']).default('all'),
  /**
   * How far below normal this worker runs its CPU priority (nice, 0-19). For `activities` workers
   * on the same host as the API, the workflows worker and Temporal: a bulk run's deliveries then
   * take the CPU those leave, and a forced refresh's few milliseconds in each of them do not
   * queue behind it (docs/performance.md §1). The local stacks set 10 for their `activities`
   * workers; 0 leaves the priority alone.
   */
  COURIER_WORKER_NICE: z.coerce.number().int().min(0).max(19).default(0),
  COURIER_MAX_CONCURRENT_ACTIVITIES: int(16),
  /**
   * Refresh steps per second each worker takes, in turn for the services that ask; 0 = unpaced.
   * A step is a batch of 1,000 nodes marked due (a refresh-all) or a shard woken (a refresh-all,
   * a changed mapping). A woken shard starts a delivery run, and the runs a worker can take are its
   * activity slots (16 runs of up to 1,000 nodes, a few seconds each), so going faster only
   * queues runs in Temporal, at about four of its writes each, and row updates in PostgreSQL,
   * while forced refreshes wait behind both (docs/performance.md §1).
   */
  COURIER_REFRESH_RATE: int(20, 0),
  /** Activity slots of the quick task queue (src/domain/task-queues.ts): mapping loads and new shards' first runs. */
  COURIER_QUICK_SLOTS: int(8),
  COURIER_MAX_CONCURRENT_WORKFLOW_TASKS: int(32),
  /**
   * Workflows a worker keeps in memory between their tasks. Most of a worker's workflows sleep for
   * most of an hour, and one evicted replays its short history when it wakes, so this bounds the
   * worker's memory instead of the number of services it owns. Each cached workflow holds its own
   * copy of the workflow modules, about 0.4 MB: 250 kept a worker at 2,000 services at 358 MB
   * after a registration burst (docs/performance.md §9).
   */
  COURIER_WORKFLOW_CACHE_SIZE: int(250, 0),
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
  /** Failed authentications one source address may make per minute before it is refused for a while. */
  COURIER_AUTH_FAILURES_PER_MINUTE: int(30),
  /** How long a response to an Idempotency-Key is replayed; older records are swept. */
  COURIER_IDEMPOTENCY_TTL_HOURS: z.coerce.number().positive().default(24),
  /** Default per-customer quotas; an admin overrides them per customer (see the README's Security section). */
  COURIER_QUOTA_SERVICES: int(100, 0),
  COURIER_QUOTA_NODES: int(2_000_000, 0),
  COURIER_QUOTA_MIN_TTL_SECONDS: int(10, 0),
  COURIER_QUOTA_FORCED_REFRESHES_PER_MINUTE: int(120, 0),
  COURIER_QUOTA_REDRIVES_PER_MINUTE: int(30, 0),
  COURIER_QUOTA_RELOADS_PER_MINUTE: int(30, 0),
  COURIER_QUOTA_MAPPING_BYTES: int(1024 * 1024 * 1024, 0),
  COURIER_QUOTA_MAPPING_ROWS: int(4_000_000, 0),
  /** Where the worker serves /metrics and /healthz; port 0 turns the server and the node gauges off. */
  COURIER_WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  COURIER_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** How often the fleet computes the node gauges (from the shard summaries) and each worker shows them. */
  COURIER_NODE_GAUGE_SECONDS: int(30),
  /** How often the notifier folds alert events into notifications and sends them. */
  COURIER_NOTIFY_EVERY_SECONDS: int(5),
  /** At most one notification per service and kind this often: a storm becomes one summary per window. */
  COURIER_NOTIFY_COALESCE_SECONDS: int(60, 0),
  /** How often the fleet marks breaches no delivery attempt recorded (workers down, a shard gone). */
  COURIER_BREACH_SWEEP_SECONDS: int(30),
  /** A webhook or email still failing after this long is marked failed (it stays in the delivery log). */
  COURIER_NOTIFY_GIVE_UP_HOURS: z.coerce.number().positive().default(24),
  /** Overall deadline of one webhook call or email send, however slowly the other side trickles. */
  COURIER_NOTIFY_TIMEOUT_SECONDS: int(10),
  /** Webhooks and emails in flight at once per worker, and per service within them. */
  COURIER_NOTIFY_CONCURRENCY: int(32),
  COURIER_NOTIFY_PER_SERVICE: int(2),
  /** Pulls one node may make per minute (GET /v1/nodes/{nodeId}/metadata), counted in PostgreSQL. */
  COURIER_PULLS_PER_MINUTE: int(6),
  /** SMTP server for email notifications, e.g. smtp://user:pass@mail.example.com:587; unset, emails fail visibly. */
  COURIER_SMTP_URL: z.string().url().optional(),
  COURIER_SMTP_FROM: z.string().min(3).default('Courier <courier@localhost>'),
  /** A prebuilt workflow bundle; unset, the worker uses the one `npm run build` puts beside it (dist/workflow-bundle.js), else bundles at start. */
  COURIER_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  COURIER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The Temporal the local stack runs: the dev server (SQLite), or the server on the stack's PostgreSQL, as deployed. */
  COURIER_STACK_TEMPORAL: z.enum(['dev', 'postgres']).default('dev'),
  /** History shards of the PostgreSQL-backed Temporal (fixed once its database exists). */
  COURIER_STACK_TEMPORAL_SHARDS: int(4),
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

function isMasterKey(text: string): boolean {
  try {
    parseMasterKey(text);
    return true;
  } catch {
    return false;
  }
}

const keyrings = new Map<string, Keyring>();

/** The secrets keyring; a process that seals, opens or signs anything calls this at start, so a missing key stops it there. */
export function secretsKeyring(config: Pick<Config, 'COURIER_SECRETS_KEY' | 'COURIER_SECRETS_OLD_KEYS'>): Keyring {
  const current = config.COURIER_SECRETS_KEY;
  if (!current) {
    throw new ConfigError(
      'Invalid configuration:\n  COURIER_SECRETS_KEY: required (32 random bytes, e.g. `openssl rand -base64 32`); it seals secrets at rest and signs node pull tokens',
    );
  }
  const id = `${current}|${config.COURIER_SECRETS_OLD_KEYS}`;
  let keyring = keyrings.get(id);
  if (!keyring) {
    keyring = parseKeyring(current, config.COURIER_SECRETS_OLD_KEYS);
    keyrings.set(id, keyring);
  }
  return keyring;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function quotaDefaults(config: Config): Quotas {
  return {
    services: config.COURIER_QUOTA_SERVICES,
    nodes: config.COURIER_QUOTA_NODES,
    minTtlSeconds: config.COURIER_QUOTA_MIN_TTL_SECONDS,
    forcedRefreshesPerMinute: config.COURIER_QUOTA_FORCED_REFRESHES_PER_MINUTE,
    redrivesPerMinute: config.COURIER_QUOTA_REDRIVES_PER_MINUTE,
    reloadsPerMinute: config.COURIER_QUOTA_RELOADS_PER_MINUTE,
    mappingBytes: config.COURIER_QUOTA_MAPPING_BYTES,
    mappingRows: config.COURIER_QUOTA_MAPPING_ROWS,
  };
}
