/**
 * Flags of the single-command tools (the simulators, the bench), on yargs like the `courier`
 * CLI: declared once, parsed strictly (an unknown or valueless flag is an error), help generated
 * from the declarations. Values stay strings; each tool validates its own with zod.
 */
import yargs, { type Argv } from 'yargs';

export interface FlagDeclaration {
  type: 'string' | 'boolean';
  description: string;
  /** May be given more than once: the values come as a list. */
  repeatable?: boolean;
}

/** A mistake in the flags, said plainly. */
export class FlagError extends Error {}

export type FlagValues = Record<string, string | string[] | boolean | undefined>;

/** yargs as every Courier command line uses it: strict, values left as typed (no number or negation guessing), -h/--help. */
export function strictParser(): Argv {
  return yargs()
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false, 'camel-case-expansion': false, 'boolean-negation': false })
    .help('help')
    .alias('help', 'h')
    .version(false)
    .strict();
}

export function flagParser(opts: { usage: string; flags: Record<string, FlagDeclaration>; epilogue?: string }) {
  const make = () =>
    strictParser()
      .usage(opts.usage)
      .options(
        Object.fromEntries(
          Object.entries(opts.flags).map(([name, f]) => [
            name,
            { type: f.type, describe: f.description, ...(f.type === 'string' ? { requiresArg: true } : {}), ...(f.repeatable ? { array: true } : {}) },
          ]),
        ),
      )
      .epilogue(opts.epilogue ?? '')
      .exitProcess(false)
      .wrap(100)
      .fail((message: string | undefined, err: Error | undefined) => {
        throw new FlagError(message ?? err?.message ?? 'invalid flags');
      });
  let help = '';
  make().showHelp((text: string) => (help = text));
  return {
    help,
    /** The flags given, or 'help' for -h/--help. */
    parse(argv: string[]): FlagValues | 'help' {
      if (argv.includes('--help') || argv.includes('-h')) return 'help';
      const values = make().parseSync(argv) as FlagValues & { _: unknown[] };
      if (values._.length > 0) throw new FlagError(`unexpected argument '${String(values._[0])}'`);
      return values;
    },
  };
}
