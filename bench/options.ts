/** `npm run bench -- [flags]`: sizes, durations and which parts run. */
import { FlagError, flagParser } from '../src/cli/flags';
import { WORKER_LAYOUTS, type WorkerLayout } from '../src/stack/worker-roles';

const PARTS = ['ceiling', 'naive', 'queue', 'courier', 'forced', 'mapping', 'fairness', 'services', 'million'] as const;
type Part = (typeof PARTS)[number];
const MAPPING_FORMATS = ['csv', 'ndjson', 'lines', 'json'];

export interface BenchOptions {
  /** Courier: nodes, spread over `services` services. */
  nodes: number;
  services: number;
  ttlSeconds: number;
  refreshBeforeSeconds: number;
  /** Courier on schedule is measured over this many refresh cycles (ttl - refreshBefore each). */
  cycles: number;
  /** Backlog drains measured (every node due at once). */
  drains: number;
  /** Requests in flight for the ceiling and the peers; Courier's COURIER_HTTP_CONNECTIONS. */
  concurrency: number;
  ceilingSeconds: number;
  /** Nodes the naive Temporal and job queue rows deliver to, and their time cap. */
  peerNodes: number;
  peerSeconds: number;
  /** Forced refreshes per second fired (open loop) during a drain. */
  forcedRate: number;
  mappingRows: number;
  /** Formats of the mapping-load figure, each loaded then reloaded with 1% replaced. */
  mappingFormats: string[];
  /** The small-services part: how many services, of how many nodes, registered how fast. */
  smallServices: number;
  smallNodes: number;
  registerRate: number;
  /** The million part stops after this many minutes from the registration, reported as capped. */
  millionCapMinutes: number;
  parts: Set<Part>;
  large: boolean;
  /** Node counts of the --large sweep. */
  largeSteps: number[];
  profile: boolean;
  /** Extra environment for Courier's worker (tuning experiments): KEY=VALUE. */
  workerEnv: Record<string, string>;
  /** Courier worker processes on the task queue: `activities` workers beside the `workflows` one when split. */
  workers: number;
  /** `split`: one COURIER_WORKER_ROLE=workflows worker and `workers` activities workers; `all`: `workers` workers of every role. */
  roles: WorkerLayout;
  /** The worker's entry point (an experiment may run a modified copy of src/). */
  workerScript: string;
  label: string;
}

const FLAGS = flagParser({
  usage: `npm run bench -- [flags]

Runs every row on a local stack of its own (PostgreSQL 5464, Temporal 7264, MinIO 9032, Redis 6390;
data in .data/bench, fresh each run), prints a table and writes bench-results/<timestamp>.json.`,
  flags: {
    nodes: { type: 'string', description: "N: Courier's nodes (default 40000)" },
    services: { type: 'string', description: 'N: services they are spread over (default 8)' },
    ttl: { type: 'string', description: "S: ttlSeconds of Courier's services (default 60)" },
    'refresh-before': { type: 'string', description: 'S: refreshBeforeSeconds (default 20)' },
    cycles: { type: 'string', description: 'N: refresh cycles measured on schedule (default 3)' },
    drains: { type: 'string', description: 'N: refresh-all drains measured after the first delivery (default 0)' },
    concurrency: { type: 'string', description: "N: requests in flight, ceiling and peers; Courier's HTTP connections (default 128)" },
    'ceiling-seconds': { type: 'string', description: 'S: measured seconds of each ceiling loop (default 15)' },
    'peer-nodes': { type: 'string', description: 'N: nodes for naive Temporal and the job queue (default 20000)' },
    'peer-seconds': { type: 'string', description: 'S: time cap of each peer run (default 60)' },
    'forced-rate': { type: 'string', description: 'R: forced refreshes per second, at saturation and on schedule (default 10)' },
    'mapping-rows': { type: 'string', description: 'N: rows of the mapping-load figure (default 1000000; 10000000 is a ~600 MB object)' },
    'mapping-formats': { type: 'string', description: `a,b: formats of the mapping-load figure (default ${MAPPING_FORMATS.join(',')})` },
    'small-services': { type: 'string', description: 'N: services of the small-services part (default 2000)' },
    'small-nodes': { type: 'string', description: 'N: nodes of each of them (default 10)' },
    'register-rate': { type: 'string', description: 'R: registrations per second of the small-services part (default 20)' },
    'million-cap': { type: 'string', description: 'M: minutes after which the million part stops, reported as capped (default 15)' },
    only: { type: 'string', description: `a,b: run only these parts: ${PARTS.join(', ')} (services and million run only when named; million: one 1,000,000-node service registered through the API, to every node acked, worker RSS and acks per second, capped by --million-cap)` },
    skip: { type: 'string', description: 'a,b: run all but these parts' },
    large: { type: 'boolean', description: "after the default rows, sweep Courier's fleet up until lateness or expiry" },
    'large-steps': { type: 'string', description: 'a,b,...: node counts of the sweep (default 60000,90000,120000,160000,200000)' },
    profile: { type: 'boolean', description: "run Courier's worker and API with --cpu-prof (bench-results/profiles/)" },
    'worker-env': { type: 'string', repeatable: true, description: "K=V: extra environment for Courier's worker (repeatable)" },
    workers: { type: 'string', description: "N: Courier worker processes taking bulk delivery runs (default 1)" },
    roles: { type: 'string', description: "split|all: a 'workflows' worker beside the N 'activities' workers, as a deployment splits them (default), or N workers of every role" },
    'worker-script': { type: 'string', description: "PATH: the worker's entry point (default src/worker.ts; e.g. a modified copy)" },
    label: { type: 'string', description: 'TEXT: a note stored with the results' },
  },
});

export const USAGE = FLAGS.help;

export class UsageError extends Error {}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  let flags;
  try {
    flags = FLAGS.parse(argv);
  } catch (err) {
    if (err instanceof FlagError) throw new UsageError(err.message);
    throw err;
  }
  if (flags === 'help') return 'help';
  const given = flags;
  const o: BenchOptions = {
    nodes: 40_000,
    services: 8,
    ttlSeconds: 60,
    refreshBeforeSeconds: 20,
    cycles: 3,
    drains: 0,
    concurrency: 128,
    ceilingSeconds: 15,
    peerNodes: 20_000,
    peerSeconds: 60,
    forcedRate: 10,
    mappingRows: 1_000_000,
    mappingFormats: MAPPING_FORMATS,
    smallServices: 2000,
    smallNodes: 10,
    registerRate: 20,
    millionCapMinutes: 15,
    // Services and million need a stack without the other parts' services: they run only when named.
    // Fairness runs after the Courier part, which deregisters its services when it ends.
    parts: new Set(PARTS.filter((p) => p !== 'services' && p !== 'million')),
    large: false,
    largeSteps: [60_000, 90_000, 120_000, 160_000, 200_000],
    profile: false,
    workerEnv: {},
    workers: 1,
    roles: 'split',
    workerScript: 'src/worker.ts',
    label: '',
  };
  const text = (flag: string): string | undefined => given[flag] as string | undefined;
  const int = (flag: string, fallback: number, min = 1): number => {
    const v = text(flag);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min) throw new UsageError(`--${flag} must be an integer >= ${min}`);
    return n;
  };
  const parts = (flag: string): Part[] => {
    const list = (text(flag) ?? '').split(',').filter(Boolean);
    for (const p of list) if (!(PARTS as readonly string[]).includes(p)) throw new UsageError(`--${flag}: unknown part '${p}' (parts: ${PARTS.join(', ')})`);
    return list as Part[];
  };
  o.nodes = int('nodes', o.nodes);
  o.services = int('services', o.services);
  o.ttlSeconds = int('ttl', o.ttlSeconds, 10);
  o.refreshBeforeSeconds = int('refresh-before', o.refreshBeforeSeconds);
  o.cycles = int('cycles', o.cycles);
  o.drains = int('drains', o.drains, 0);
  o.concurrency = int('concurrency', o.concurrency);
  o.ceilingSeconds = int('ceiling-seconds', o.ceilingSeconds);
  o.peerNodes = int('peer-nodes', o.peerNodes);
  o.peerSeconds = int('peer-seconds', o.peerSeconds);
  o.mappingRows = int('mapping-rows', o.mappingRows);
  const formats = text('mapping-formats');
  if (formats !== undefined) {
    o.mappingFormats = formats.split(',');
    const unknown = o.mappingFormats.filter((f) => !MAPPING_FORMATS.includes(f));
    if (unknown.length > 0) throw new UsageError(`--mapping-formats: unknown '${unknown.join(',')}' (formats: ${MAPPING_FORMATS.join(', ')})`);
  }
  o.smallServices = int('small-services', o.smallServices);
  o.smallNodes = int('small-nodes', o.smallNodes);
  o.registerRate = int('register-rate', o.registerRate);
  o.millionCapMinutes = int('million-cap', o.millionCapMinutes);
  o.workers = int('workers', o.workers);
  const roles = text('roles');
  if (roles !== undefined) {
    const layout = WORKER_LAYOUTS.find((l) => l === roles);
    if (!layout) throw new UsageError(`--roles takes ${WORKER_LAYOUTS.join(' or ')}, not '${roles}'`);
    o.roles = layout;
  }
  if (text('forced-rate') !== undefined) o.forcedRate = Number(text('forced-rate'));
  if (text('only') !== undefined) o.parts = new Set(parts('only'));
  // `--only forced` means the Courier rows it is measured in too.
  if (text('only') !== undefined && o.parts.has('forced')) o.parts.add('courier');
  for (const p of text('skip') === undefined ? [] : parts('skip')) o.parts.delete(p);
  o.large = given.large === true;
  o.profile = given.profile === true;
  const steps = text('large-steps');
  if (steps !== undefined) {
    o.largeSteps = steps.split(',').map(Number);
    if (o.largeSteps.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError('--large-steps takes node counts, e.g. 60000,120000');
  }
  for (const pair of (given['worker-env'] as string[] | undefined) ?? []) {
    const [k, ...rest] = pair.split('=');
    if (!k || rest.length === 0) throw new UsageError('--worker-env takes KEY=VALUE');
    o.workerEnv[k] = rest.join('=');
  }
  o.workerScript = text('worker-script') ?? o.workerScript;
  o.label = text('label') ?? o.label;
  if (o.refreshBeforeSeconds >= o.ttlSeconds) throw new UsageError('--refresh-before must be less than --ttl');
  if (!(o.forcedRate > 0)) throw new UsageError('--forced-rate must be a positive number');
  // Forced refreshes are measured while Courier drains a backlog: they need the Courier part.
  if (!o.parts.has('courier')) o.parts.delete('forced');
  return o;
}
