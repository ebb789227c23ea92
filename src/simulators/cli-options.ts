import { z } from 'zod';
import { FlagError, flagParser } from '../cli/flags';
import { FaultListSchema, type FaultRule } from './fleet/faults';
import { MAX_PAYLOAD_BYTES } from './source/payloads';

const FLAGS = flagParser({
  usage: 'Usage: tsx src/simulators/main.ts [--fleet-only | --metadata-only] [--faults \'<json rule or list>\']',
  flags: {
    'fleet-only': { type: 'boolean', description: 'start only the node fleet' },
    'metadata-only': { type: 'boolean', description: 'start only the metadata source' },
    faults: { type: 'string', description: 'fault rules of the node fleet, JSON: one rule or a list (docs/simulators.md)' },
  },
  epilogue: `Environment:
  NODE_FLEET_PORT          node fleet port (default 9101; 0 picks a free one)
  METADATA_SOURCE_PORT     metadata source port (default 9102; 0 picks a free one)
  SIMULATORS_HOST          interface to listen on (default 127.0.0.1)
  NODE_FLEET_SECRET        signing secret of services without their own
  METADATA_PAYLOAD_BYTES   metadata size (default 10240)
  METADATA_MODE            shared | perNode (default shared)
  METADATA_ROTATE_SECONDS  rotate the metadata version on this period (default: never)
See docs/simulators.md.`,
});

export const USAGE = FLAGS.help;

/** Whatever the user got wrong, said plainly; main prints it without a stack trace. */
export class CliError extends Error {}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);

const EnvSchema = z.object({
  NODE_FLEET_PORT: port(9101),
  METADATA_SOURCE_PORT: port(9102),
  SIMULATORS_HOST: z.string().min(1).default('127.0.0.1'),
  NODE_FLEET_SECRET: z.string().min(1).optional(),
  METADATA_PAYLOAD_BYTES: z.coerce.number().int().min(0).max(MAX_PAYLOAD_BYTES).default(10_240),
  METADATA_MODE: z.enum(['shared', 'perNode']).default('shared'),
  METADATA_ROTATE_SECONDS: z.coerce.number().positive().optional(),
});

export interface CliOptions {
  help: boolean;
  host: string;
  /** Absent when the simulator is not to be started. */
  fleet?: { port: number; secret?: string; faults: FaultRule[] };
  source?: { port: number; payloadBytes: number; mode: 'shared' | 'perNode'; rotateEverySeconds?: number };
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  const args = parseFlags(argv);
  // Empty variables are treated as unset, as a shell's `VAR= cmd` usually means.
  const setVars = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = EnvSchema.safeParse(setVars);
  if (!parsed.success) throw new CliError(describe('environment', parsed.error));
  const e = parsed.data;
  if (args === 'help') return { help: true, host: e.SIMULATORS_HOST };
  if (args['fleet-only'] && args['metadata-only']) throw new CliError('--fleet-only and --metadata-only exclude each other');
  if (args.faults !== undefined && args['metadata-only']) throw new CliError('--faults applies to the node fleet, which --metadata-only does not start');

  return {
    help: false,
    host: e.SIMULATORS_HOST,
    ...(args['metadata-only'] ? {} : { fleet: { port: e.NODE_FLEET_PORT, secret: e.NODE_FLEET_SECRET, faults: parseFaults(args.faults) } }),
    ...(args['fleet-only']
      ? {}
      : {
          source: {
            port: e.METADATA_SOURCE_PORT,
            payloadBytes: e.METADATA_PAYLOAD_BYTES,
            mode: e.METADATA_MODE,
            rotateEverySeconds: e.METADATA_ROTATE_SECONDS,
          },
        }),
  };
}

function parseFlags(argv: string[]): { 'fleet-only'?: boolean; 'metadata-only'?: boolean; faults?: string } | 'help' {
  try {
    const values = FLAGS.parse(argv);
    if (values === 'help') return values;
    return { 'fleet-only': values['fleet-only'] === true, 'metadata-only': values['metadata-only'] === true, faults: values.faults as string | undefined };
  } catch (err) {
    if (err instanceof FlagError) throw new CliError(err.message);
    throw err;
  }
}

function parseFaults(text: string | undefined): FaultRule[] {
  if (text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CliError(`--faults is not JSON: ${(err as Error).message}`);
  }
  const parsed = FaultListSchema.safeParse(json);
  if (!parsed.success) throw new CliError(describe('--faults', parsed.error));
  return parsed.data;
}

function describe(what: string, error: z.ZodError): string {
  const lines = error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(value)'}: ${i.message}`);
  return `Invalid ${what}:\n${lines.join('\n')}`;
}
