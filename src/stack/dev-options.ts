import { z } from 'zod';
import { FlagError, flagParser } from '../cli/flags';
import { StackError } from './errors';

const FLAGS = flagParser({
  usage: 'npm run dev [-- --workers N] [--apis N]',
  flags: {
    workers: { type: 'string', description: 'N: Courier workers, 1 to 8 (default 1)' },
    apis: { type: 'string', description: 'N: Courier APIs, 1 to 8 (default 1); each listens on the next port after API_PORT' },
  },
});

export const DEV_USAGE = FLAGS.help;

const Count = z.coerce.number().int().min(1).max(8);

export interface DevOptions {
  workers: number;
  apis: number;
}

/** `--workers N --apis N`: several Courier workers and APIs, as a deployment runs them; 'help' for -h/--help. */
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
  return { workers: count('workers'), apis: count('apis') };
}
