import { parseArgs } from 'node:util';
import { z } from 'zod';
import { StackError } from './errors';

export const DEV_USAGE = 'usage: npm run dev [-- --workers N] [--apis N]   (N from 1 to 8; each API listens on the next port after API_PORT)';

const Count = z.coerce.number().int().min(1).max(8);

export interface DevOptions {
  workers: number;
  apis: number;
}

/** `--workers N --apis N`: several Courier workers and APIs, as a deployment runs them. */
export function parseDevOptions(argv: string[]): DevOptions {
  let values: { workers?: string; apis?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { workers: { type: 'string' }, apis: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new StackError(`${(err as Error).message}\n${DEV_USAGE}`);
  }
  const count = (flag: 'workers' | 'apis'): number => {
    const parsed = Count.safeParse(values[flag] ?? 1);
    if (!parsed.success) throw new StackError(`--${flag} must be a whole number from 1 to 8, not '${values[flag]}'\n${DEV_USAGE}`);
    return parsed.data;
  };
  return { workers: count('workers'), apis: count('apis') };
}
