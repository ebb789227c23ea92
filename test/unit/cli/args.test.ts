import { resolve, UsageError, type CommandSpec } from '../../../src/cli/args';
import { COMMANDS } from '../../../src/cli/run';

const run = (argv: string[]) => resolve(argv, COMMANDS as CommandSpec<unknown>[]);

async function usageError(argv: string[]): Promise<UsageError> {
  try {
    await run(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`${argv.join(' ')} parsed`);
}

describe('courier command lines', () => {
  test('global flags may come anywhere; arguments and flags are typed', async () => {
    const resolved = await run(['--url', 'http://c:1', 'nodes', 'list', '--json', 'svc-1', '--state', 'failing']);
    if (resolved.kind !== 'run') throw new Error('expected a command');
    expect(resolved.command.words).toEqual(['nodes', 'list']);
    expect(resolved.global).toEqual({ url: 'http://c:1', key: undefined, json: true });
    expect(resolved.input.arg('ID')).toBe('svc-1');
    expect(resolved.input.string('state')).toBe('failing');

    const watch = await run(['watch', 'svc-1', '--interval', '3', '--until-fresh']);
    if (watch.kind !== 'run') throw new Error('expected a command');
    expect(watch.input.integer('interval')).toBe(3);
    expect(watch.input.boolean('until-fresh')).toBe(true);
    expect(watch.input.boolean('once')).toBe(false);
  });

  test('an argument equal to a command word is still an argument', async () => {
    const resolved = await run(['services', 'show', 'list']);
    expect(resolved.kind === 'run' && resolved.input.arg('ID')).toBe('list');
  });

  test('help, generated from the declarations: top level, per group, per command', async () => {
    const top = await run(['--help']);
    expect(top.kind === 'help' && top.text).toContain('admin commands: customers create, keys create');
    const keys = await run(['admin', 'keys', '--help']);
    expect(keys.kind === 'help' && keys.text).toContain('courier admin keys create <CUSTOMER_ID>');
    const group = await run(['services', '-h']);
    expect(group.kind === 'help' && group.text).toContain('courier services reload-mapping <ID>');
    expect(group.kind === 'help' && group.text).not.toContain('nodes list');
    const command = await run(['services', 'register', '--help']);
    expect(command.kind === 'help' && command.text).toMatch(/--mapping\s+S3_URI: the mapping object/);
    expect(command.kind === 'help' && command.text).toContain('Global flags:');
  });

  test('shell completion: the script, and the words and flags it is answered', async () => {
    const script = await run(['completion']);
    expect(script.kind === 'help' && script.text).toContain('complete -o bashdefault -o default -F _courier_yargs_completions courier');
    const words = await run(['--get-yargs-completions', 'courier', 'services', 're']);
    expect(words.kind === 'help' && words.text.split('\n')).toEqual(expect.arrayContaining(['register', 'reload-mapping', 'refresh']));
    const flags = await run(['--get-yargs-completions', 'courier', 'watch', 'svc', '--']);
    expect(flags.kind === 'help' && flags.text.split('\n')).toEqual(expect.arrayContaining(['--interval', '--until-fresh', '--url']));
  });

  test('mistakes name what is wrong and carry the help that fixes them', async () => {
    expect((await usageError([])).message).toBe("missing command after 'courier'");
    expect((await usageError(['services'])).message).toBe("missing command after 'courier services'");
    const unknown = await usageError(['services', 'frobnicate']);
    expect(unknown.message).toBe('Unknown argument: frobnicate');
    expect(unknown.help).toContain('courier services list');
    expect(unknown.help).not.toContain('frobnicate');
    expect((await usageError(['nodes', 'show', 'svc'])).message).toBe('Not enough non-option arguments: got 1, need at least 2');
    expect((await usageError(['services', 'show', 'a', 'b'])).message).toBe('Unknown argument: b');
    expect((await usageError(['services', 'list', '--ttl', '1'])).message).toBe('Unknown argument: ttl');
    expect((await usageError(['watch', 'svc', '--interval'])).message).toBe('Not enough arguments following: interval');
    const missing = await usageError(['services', 'register', '--name', 'x']);
    expect(missing.message).toBe('Missing required arguments: mapping, metadata-url, ttl, endpoint');
    expect(missing.help).toMatch(/--refresh-before\s+SECONDS/);

    const register = await run(['services', 'update', 'svc', '--metadata-max-rps', 'lots']);
    expect(register.kind === 'run' && (() => register.input.number('metadata-max-rps'))).toThrow("--metadata-max-rps: must be a number, not 'lots'");
    const rate = await run(['services', 'update', 'svc', '--metadata-max-rps', '2.5']);
    expect(rate.kind === 'run' && rate.input.number('metadata-max-rps')).toBe(2.5);

    const resolved = await run(['watch', 'svc', '--interval', 'often']);
    expect(resolved.kind === 'run' && (() => resolved.input.integer('interval'))).toThrow("--interval: must be an integer, not 'often'");
  });
});
