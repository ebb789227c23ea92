import { z } from 'zod';
import { FlagError, flagParser } from '../cli/flags';
import { StackError } from './errors';
import { WORKER_LAYOUTS, type WorkerLayout } from './worker-roles';

const FLAGS = flagParser({
  usage: 'npm run dev [-- --workers N] [--apis N] [--roles split|all]',
  flags: {
    workers: { type: 'string', description: 'N: Courier workers, 1 to 8 (default 1): with --roles split, the activities workers' },
    roles: { type: 'string', description: "all: each worker runs everything (default); split: a 'workflows' worker beside the N 'activities' workers, as a deployment that splits them" },
    apis: { type: 'string', description: 'N: Courier APIs, 1 to 8 (default 1); each listens on the next port after API_PORT' },
  },
});

export const DEV_USAGE = FLAGS.help;

const Count = z.coerce.number().int().min(1).max(8);

export interface DevOptions {
  workers: number;
  apis: number;
  roles: WorkerLayout;
}

/** `--workers N --apis N --roles R`: several Courier workers and APIs, as a deployment runs them; 'help' for -h/--help. */
export function parseDevOptions(argv: string[]): DevOptions | 'help' {
  let values;
  try {
    values = FLAGS.parse(argv);
  } catch (err) {
    if (err instanceof FlagError) throw new StackError(`${err.message}\n${DEV_USAGE}`);
    throw err;
  }
  if (values === 'help') return values;
  const given = values;
  const count = (flag: 'workers' | 'apis'): number => {
    const parsed = Count.safeParse(given[flag] ?? 1);
    if (!parsed.success) throw new StackError(`--${flag} must be a whole number from 1 to 8, not '${String(given[flag])}'\n${DEV_USAGE}`);
    return parsed.data;
  };
  const roles = WORKER_LAYOUTS.find((layout) => layout === (given.roles ?? 'all'));
  if (!roles) throw new StackError(`--roles must be ${WORKER_LAYOUTS.join(' or ')}, not '${String(given.roles)}'\n${DEV_USAGE}`);
  return { workers: count('workers'), apis: count('apis'), roles };
}
