/**
 * Command lines as data: each command declares its words, positional arguments and flags once,
 * and the same declaration drives parsing (node's util.parseArgs) and every help screen.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';

export type FlagType = 'string' | 'integer' | 'number' | 'boolean';

export interface FlagSpec {
  type: FlagType;
  description: string;
  /** Placeholder shown in help, e.g. `--ttl SECONDS`. */
  value?: string;
  required?: boolean;
}

export type Flags = Record<string, FlagSpec>;

export interface CommandSpec<Ctx> {
  /** The words that name the command, e.g. `['services', 'register']`. */
  words: string[];
  summary: string;
  /** Positional arguments, all required, e.g. `['ID', 'NODE']`. */
  args?: string[];
  flags?: Flags;
  /** Calls admin routes: its key defaults to COURIER_ADMIN_KEY. */
  admin?: boolean;
  /** API field paths this command fills from its arguments, so an error names the flag, e.g. `mapping.uri` → `--mapping`. */
  fields?: Record<string, string>;
  run(ctx: Ctx, input: Input): Promise<number | void>;
}

export const GLOBAL_FLAGS: Flags = {
  url: { type: 'string', value: 'URL', description: 'Courier API (env COURIER_URL, default http://127.0.0.1:8080)' },
  key: { type: 'string', value: 'KEY', description: 'API key (env COURIER_API_KEY; admin commands: COURIER_ADMIN_KEY)' },
  json: { type: 'boolean', description: 'machine output: JSON instead of tables' },
  help: { type: 'boolean', description: 'show help' },
};

/** A mistake in the command line: reported with the relevant help, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
  }
}

const integer = z.string().regex(/^-?\d+$/, 'must be an integer').transform(Number);
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a number').transform(Number);

/** The parsed command line of one command, with typed access to its flags. */
export class Input {
  constructor(
    private readonly values: Record<string, string | boolean | undefined>,
    private readonly positionals: Record<string, string>,
    private readonly help: string,
  ) {}

  arg(name: string): string {
    const value = this.positionals[name];
    if (value === undefined) throw new Error(`command declares no argument ${name}`);
    return value;
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    return typeof value === 'string' ? value : undefined;
  }

  integer(name: string): number | undefined {
    return this.numeric(name, integer, 'an integer');
  }

  number(name: string): number | undefined {
    return this.numeric(name, decimal, 'a number');
  }

  private numeric(name: string, schema: typeof integer, what: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw this.usageError(`--${name}: must be ${what}, not '${value}'`);
    return parsed.data;
  }

  usageError(message: string): UsageError {
    return new UsageError(message, this.help);
  }

  boolean(name: string): boolean {
    return this.values[name] === true;
  }
}

export type Resolved<Ctx> =
  | { kind: 'help'; text: string }
  | { kind: 'run'; command: CommandSpec<Ctx>; input: Input; global: { url?: string; key?: string; json: boolean } };

/**
 * Finds the command named by the leading words, wherever the global flags are, then parses the
 * rest against that command's flags. `-h`/`--help` anywhere shows the nearest help.
 */
export function resolve<Ctx>(argv: string[], commands: CommandSpec<Ctx>[]): Resolved<Ctx> {
  const words: string[] = [];
  const rest: string[] = [];
  const valued = new Set(Object.entries(GLOBAL_FLAGS).filter(([, f]) => f.type !== 'boolean').map(([name]) => `--${name}`));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    const candidate = [...words, token];
    if (!token.startsWith('-') && commands.some((c) => startsWith(c.words, candidate))) {
      words.push(token);
    } else {
      rest.push(token);
      if (valued.has(token) && i + 1 < argv.length) rest.push(argv[++i] as string);
    }
  }
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  const command = commands.find((c) => c.words.join(' ') === words.join(' '));
  if (!command) {
    const text = listHelp(commands, words);
    if (wantsHelp) return { kind: 'help', text };
    const stray = rest.find((t) => !t.startsWith('-'));
    const named = ['courier', ...words].join(' ');
    throw new UsageError(stray ? `unknown command: ${named} ${stray}` : `missing command after '${named}'`, text);
  }
  const help = commandHelp(command);
  if (wantsHelp) return { kind: 'help', text: help };

  const flags = { ...GLOBAL_FLAGS, ...command.flags };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest.filter((t) => t !== '-h'),
      options: Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, { type: f.type === 'boolean' ? 'boolean' : 'string' }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // parseArgs appends advice about `--` that does not apply to these commands: its first sentence says it all.
    throw new UsageError((err as Error).message.split(/\.(\s|$)/)[0] ?? 'invalid arguments', help);
  }
  const names = command.args ?? [];
  if (parsed.positionals.length !== names.length) {
    const problem = parsed.positionals.length < names.length ? `missing ${names.slice(parsed.positionals.length).join(' ')}` : `unexpected argument '${parsed.positionals[names.length]}'`;
    throw new UsageError(`${command.words.join(' ')}: ${problem}`, help);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const missing = Object.entries(command.flags ?? {}).filter(([name, f]) => f.required && values[name] === undefined);
  if (missing.length > 0) {
    throw new UsageError(`${command.words.join(' ')}: missing ${missing.map(([name]) => `--${name}`).join(', ')}`, help);
  }
  const input = new Input(values, Object.fromEntries(names.map((name, i) => [name, parsed.positionals[i] as string])), help);
  return {
    kind: 'run',
    command,
    input,
    global: { url: input.string('url'), key: input.string('key'), json: input.boolean('json') },
  };
}

const startsWith = (words: string[], prefix: string[]): boolean => prefix.every((w, i) => words[i] === w);

function flagLines(flags: Flags): string[][] {
  return Object.entries(flags).map(([name, f]) => [
    `--${name}${f.value ? ` ${f.value}` : ''}`,
    `${f.description}${f.required ? ' (required)' : ''}`,
  ]);
}

function columns(rows: string[][], indent = '  '): string {
  const width = Math.max(...rows.map((r) => (r[0] ?? '').length));
  return rows.map(([left = '', right = '']) => `${indent}${left.padEnd(width)}  ${right}`.trimEnd()).join('\n');
}

function usageLine(command: CommandSpec<unknown>): string {
  const required = Object.entries(command.flags ?? {})
    .filter(([, f]) => f.required)
    .map(([name, f]) => `--${name} ${f.value ?? ''}`.trim());
  return ['courier', ...command.words, ...(command.args ?? []), ...required, '[flags]'].join(' ');
}

function commandHelp(command: CommandSpec<unknown>): string {
  const sections = [`Usage: ${usageLine(command)}`, command.summary];
  if (command.flags && Object.keys(command.flags).length > 0) sections.push(`Flags:\n${columns(flagLines(command.flags))}`);
  sections.push(`Global flags:\n${columns(flagLines(GLOBAL_FLAGS))}`);
  return `${sections.join('\n\n')}\n`;
}

/** The commands under `words` (all of them at the top), one line each. */
function listHelp(commands: CommandSpec<unknown>[], words: string[]): string {
  const under = commands.filter((c) => startsWith(c.words, words));
  const shown = under.length > 0 ? under : commands;
  const rows = shown.map((c) => [[...c.words, ...(c.args ?? [])].join(' '), c.summary]);
  const title = words.length > 0 && under.length > 0 ? `courier ${words.join(' ')}` : 'courier';
  return [
    `Usage: ${title} <command> [args] [flags]   (courier <command> --help for its flags)`,
    `Commands:\n${columns(rows)}`,
    `Global flags:\n${columns(flagLines(GLOBAL_FLAGS))}`,
  ].join('\n\n') + '\n';
}
