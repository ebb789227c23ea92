/** `npm run bench -- [flags]`: sizes, durations and which parts run. */

export const PARTS = ['ceiling', 'naive', 'queue', 'courier', 'forced', 'mapping', 'fairness', 'services'] as const;
export type Part = (typeof PARTS)[number];

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
  /** The small-services part: how many services, of how many nodes, registered how fast. */
  smallServices: number;
  smallNodes: number;
  registerRate: number;
  parts: Set<Part>;
  large: boolean;
  /** Node counts of the --large sweep. */
  largeSteps: number[];
  profile: boolean;
  /** Extra environment for Courier's worker (tuning experiments): KEY=VALUE. */
  workerEnv: Record<string, string>;
  /** Courier worker processes on the task queue. */
  workers: number;
  /** The worker's entry point (an experiment may run a modified copy of src/). */
  workerScript: string;
  label: string;
}

export const USAGE = `npm run bench -- [flags]

Runs every row on a local stack of its own (PostgreSQL 5464, Temporal 7264, MinIO 9032, Redis 6390;
data in .data/bench, fresh each run), prints a table and writes bench-results/<timestamp>.json.

  --nodes N              Courier's nodes (default 40000)
  --services N           services they are spread over (default 8)
  --ttl S                ttlSeconds of Courier's services (default 60)
  --refresh-before S     refreshBeforeSeconds (default 20)
  --cycles N             refresh cycles measured on schedule (default 3)
  --drains N             refresh-all drains measured after the first delivery (default 0)
  --concurrency N        requests in flight, ceiling and peers; Courier's HTTP connections (default 128)
  --ceiling-seconds S    measured seconds of each ceiling loop (default 15)
  --peer-nodes N         nodes for naive Temporal and the job queue (default 20000)
  --peer-seconds S       time cap of each peer run (default 60)
  --forced-rate R        forced refreshes per second, at saturation and on schedule (default 10)
  --mapping-rows N       rows of the mapping-load figure (default 1000000)
  --small-services N     services of the small-services part (default 2000)
  --small-nodes N        nodes of each of them (default 10)
  --register-rate R      registrations per second of the small-services part (default 20)
  --only a,b             run only these parts: ${PARTS.join(', ')} (fairness and services run only when named)
  --skip a,b             run all but these parts
  --large                after the default rows, sweep Courier's fleet up until lateness or expiry
  --large-steps a,b,...  node counts of the sweep (default 60000,90000,120000,160000,200000)
  --profile              run Courier's worker with --cpu-prof (bench-results/profiles/)
  --worker-env K=V       extra environment for Courier's worker (repeatable)
  --workers N            Courier worker processes (default 1)
  --worker-script PATH   the worker's entry point (default src/worker.ts; e.g. a modified copy)
  --label TEXT           a note stored with the results
  --help`;

export class UsageError extends Error {}

export function parseOptions(argv: string[]): BenchOptions | 'help' {
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
    smallServices: 2000,
    smallNodes: 10,
    registerRate: 20,
    // Fairness and services need a stack without the other parts' services: they run only when named.
    parts: new Set(PARTS.filter((p) => p !== 'fairness' && p !== 'services')),
    large: false,
    largeSteps: [60_000, 90_000, 120_000, 160_000, 200_000],
    profile: false,
    workerEnv: {},
    workers: 1,
    workerScript: 'src/worker.ts',
    label: '',
  };
  const args = [...argv];
  const value = (flag: string): string => {
    const v = args.shift();
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const int = (flag: string, min = 1): number => {
    const v = Number(value(flag));
    if (!Number.isInteger(v) || v < min) throw new UsageError(`${flag} must be an integer >= ${min}`);
    return v;
  };
  const parts = (flag: string): Part[] => {
    const list = value(flag).split(',').filter(Boolean);
    for (const p of list) if (!(PARTS as readonly string[]).includes(p)) throw new UsageError(`${flag}: unknown part '${p}' (parts: ${PARTS.join(', ')})`);
    return list as Part[];
  };
  while (args.length > 0) {
    const flag = args.shift() as string;
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--nodes': o.nodes = int(flag); break;
      case '--services': o.services = int(flag); break;
      case '--ttl': o.ttlSeconds = int(flag, 10); break;
      case '--refresh-before': o.refreshBeforeSeconds = int(flag); break;
      case '--cycles': o.cycles = int(flag); break;
      case '--drains': o.drains = int(flag, 0); break;
      case '--concurrency': o.concurrency = int(flag); break;
      case '--ceiling-seconds': o.ceilingSeconds = int(flag); break;
      case '--peer-nodes': o.peerNodes = int(flag); break;
      case '--peer-seconds': o.peerSeconds = int(flag); break;
      case '--forced-rate': o.forcedRate = Number(value(flag)); break;
      case '--mapping-rows': o.mappingRows = int(flag); break;
      case '--small-services': o.smallServices = int(flag); break;
      case '--small-nodes': o.smallNodes = int(flag); break;
      case '--register-rate': o.registerRate = int(flag); break;
      case '--only': o.parts = new Set(parts(flag)); break;
      case '--skip': for (const p of parts(flag)) o.parts.delete(p); break;
      case '--large': o.large = true; break;
      case '--large-steps':
        o.largeSteps = value(flag).split(',').map(Number);
        if (o.largeSteps.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError(`${flag} takes node counts, e.g. 60000,120000`);
        break;
      case '--profile': o.profile = true; break;
      case '--worker-env': {
        const [k, ...rest] = value(flag).split('=');
        if (!k || rest.length === 0) throw new UsageError(`${flag} takes KEY=VALUE`);
        o.workerEnv[k] = rest.join('=');
        break;
      }
      case '--workers': o.workers = int(flag); break;
      case '--worker-script': o.workerScript = value(flag); break;
      case '--label': o.label = value(flag); break;
      default:
        throw new UsageError(`unknown flag '${flag}'`);
    }
  }
  if (o.refreshBeforeSeconds >= o.ttlSeconds) throw new UsageError('--refresh-before must be less than --ttl');
  if (!(o.forcedRate > 0)) throw new UsageError('--forced-rate must be a positive number');
  // Forced refreshes are measured while Courier drains a backlog: they need the Courier part.
  if (!o.parts.has('courier')) o.parts.delete('forced');
  return o;
}
