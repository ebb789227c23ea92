/**
 * Command lines as data: each command declares its words, positional arguments and flags once,
 * and yargs turns the declarations into the parser, every help screen and shell completion
 * (`courier completion`).
 */
import type { Argv } from 'yargs';
import { z } from 'zod';
import { strictParser } from './flags';

type FlagType = 'string' | 'integer' | 'number' | 'boolean';

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

const GLOBAL_FLAGS: Flags = {
  url: { type: 'string', value: 'URL', description: 'Courier API (env COURIER_URL, default http://127.0.0.1:8080)' },
  key: { type: 'string', value: 'KEY', description: 'API key (env COURIER_API_KEY; admin commands: COURIER_ADMIN_KEY)' },
  json: { type: 'boolean', description: 'machine output: JSON instead of tables' },
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

type Values = Record<string, unknown>;

/** The parsed command line of one command, with typed access to its flags. */
export class Input {
  constructor(
    private readonly values: Values,
    private readonly help: string,
  ) {}

  arg(name: string): string {
    const value = this.values[name];
    if (typeof value !== 'string') throw new Error(`command declares no argument ${name}`);
    return value;
  }

  string(name: string): string | undefined {
    const value = this.values[name];
    // A repeated flag: the last one counts, as in most command lines.
    const last = Array.isArray(value) ? value.at(-1) : value;
    return typeof last === 'string' ? last : undefined;
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

/** yargs options from flag declarations: numbers stay strings, so Input says what is wrong with one. */
function options(flags: Flags): Record<string, { type: 'string' | 'boolean'; describe: string; requiresArg?: boolean; demandOption?: boolean }> {
  return Object.fromEntries(
    Object.entries(flags).map(([name, f]) => [
      name,
      {
        type: f.type === 'boolean' ? 'boolean' : 'string',
        describe: f.value ? `${f.value}: ${f.description}` : f.description,
        ...(f.type === 'boolean' ? {} : { requiresArg: true }),
        ...(f.required ? { demandOption: true } : {}),
      },
    ]),
  );
}

const usageOf = (command: CommandSpec<unknown>): string => [...command.words.slice(-1), ...(command.args ?? []).map((a) => `<${a}>`)].join(' ');

/**
 * The parser for `commands`: one yargs command per group word (`services`, `nodes`, `admin
 * keys`), leaves for the commands themselves. `chosen` receives the command a line names.
 */
function buildParser<Ctx>(commands: CommandSpec<Ctx>[], chosen: (command: CommandSpec<Ctx>, values: Values) => void): Argv {
  const parser = strictParser()
    .scriptName('courier')
    .usage('Usage: $0 <command> [args] [flags]   ($0 <command> --help for its flags)')
    .options(Object.fromEntries(Object.entries(options(GLOBAL_FLAGS)).map(([name, o]) => [name, { ...o, global: true }])))
    .completion('completion', 'print the shell completion script: courier completion >> ~/.bashrc (bash and zsh)')
    .group([...Object.keys(GLOBAL_FLAGS), 'help'], 'Global flags:')
    .wrap(Math.min(120, process.stdout.columns || 100));
  addLevel(parser, commands, 0, chosen);
  return parser.demandCommand(1, "missing command after 'courier'");
}

function addLevel<Ctx>(parser: Argv, commands: CommandSpec<Ctx>[], depth: number, chosen: (command: CommandSpec<Ctx>, values: Values) => void): void {
  const groups = new Map<string, CommandSpec<Ctx>[]>();
  for (const command of commands) {
    const word = command.words[depth] as string;
    groups.set(word, [...(groups.get(word) ?? []), command]);
  }
  for (const [word, members] of groups) {
    const leaf = members.length === 1 && members[0]?.words.length === depth + 1 ? members[0] : undefined;
    if (leaf) {
      parser.command(
        usageOf(leaf as CommandSpec<unknown>),
        leaf.summary,
        (b) => b.options(options(leaf.flags ?? {})).group(Object.keys(leaf.flags ?? {}), 'Flags:'),
        (values) => chosen(leaf, values),
      );
    } else {
      const path = members[0]?.words.slice(0, depth + 1).join(' ') ?? word;
      parser.command(word, `${path} commands: ${members.map((m) => m.words.slice(depth + 1).join(' ')).join(', ')}`, (b) => {
        addLevel(b, members, depth + 1, chosen);
        return b.demandCommand(1, `missing command after 'courier ${path}'`);
      });
    }
  }
}

/**
 * Parses `argv` against `commands`: the command it names with its input, or the help it asked
 * for (`--help` anywhere, `completion`). A mistake throws a UsageError with the nearest help.
 */
export async function resolve<Ctx>(argv: string[], commands: CommandSpec<Ctx>[]): Promise<Resolved<Ctx>> {
  let picked: { command: CommandSpec<Ctx>; values: Values } | undefined;
  const parser = buildParser(commands, (command, values) => (picked = { command, values }));
  if (argv[0] === COMPLETIONS_FLAG) return { kind: 'help', text: await completions(parser, argv) };
  const { error, output } = await new Promise<{ error: Error | null; output: string }>((done) => {
    void parser.parse(argv, {}, (error: Error | null | undefined, _values: unknown, output: string) => done({ error: error ?? null, output }));
  });
  if (error) throw new UsageError(error.message, `${output.slice(0, output.lastIndexOf(error.message)).trimEnd()}\n`);
  if (!picked) return { kind: 'help', text: output.endsWith('\n') ? output : `${output}\n` };
  const { command, values } = picked;
  const help = await commandHelp(commands, command);
  const input = new Input(values, help);
  return { kind: 'run', command, input, global: { url: input.string('url'), key: input.string('key'), json: input.boolean('json') } };
}

/** What the completion script (`courier completion`) asks for: `courier --get-yargs-completions courier <words...>`. */
const COMPLETIONS_FLAG = '--get-yargs-completions';
const COMPLETIONS_TIMEOUT_MS = 2000;

/**
 * yargs answers a completion request in a second callback, after an empty first one; the
 * timeout only guards against a yargs that would not call back again.
 */
function completions(parser: Argv, argv: string[]): Promise<string> {
  return new Promise((done) => {
    let calls = 0;
    const timer = setTimeout(() => done(''), COMPLETIONS_TIMEOUT_MS);
    void parser.parse(argv, {}, (_error: unknown, _values: unknown, output: string) => {
      calls += 1;
      if (output || calls > 1) {
        clearTimeout(timer);
        done(output ? `${output}\n` : '');
      }
    });
  });
}

async function commandHelp<Ctx>(commands: CommandSpec<Ctx>[], command: CommandSpec<Ctx>): Promise<string> {
  const parser = buildParser(commands, () => undefined);
  return new Promise((done) => {
    void parser.parse([...command.words, '--help'], {}, (_error: unknown, _values: unknown, output: string) => done(`${output}\n`));
  });
}
