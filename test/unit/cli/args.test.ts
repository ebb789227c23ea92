import { resolve, UsageError, type CommandSpec } from '../../../src/cli/args';
import { COMMANDS } from '../../../src/cli/run';

const run = (argv: string[]) => resolve(argv, COMMANDS as CommandSpec<unknown>[]);

function usageError(argv: string[]): UsageError {
  try {
    run(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`${argv.join(' ')} parsed`);
}

describe('courier command lines', () => {
  test('global flags may come anywhere; arguments and flags are typed', () => {
    const resolved = run(['--url', 'http://c:1', 'nodes', 'list', '--json', 'svc-1', '--state', 'failing']);
    if (resolved.kind !== 'run') throw new Error('expected a command');
    expect(resolved.command.words).toEqual(['nodes', 'list']);
    expect(resolved.global).toEqual({ url: 'http://c:1', key: undefined, json: true });
    expect(resolved.input.arg('ID')).toBe('svc-1');
    expect(resolved.input.string('state')).toBe('failing');

    const watch = run(['watch', 'svc-1', '--interval', '3', '--until-fresh']);
    if (watch.kind !== 'run') throw new Error('expected a command');
    expect(watch.input.integer('interval')).toBe(3);
    expect(watch.input.boolean('until-fresh')).toBe(true);
    expect(watch.input.boolean('once')).toBe(false);
  });

  test('an argument equal to a command word is still an argument', () => {
    const resolved = run(['services', 'show', 'list']);
    expect(resolved.kind === 'run' && resolved.input.arg('ID')).toBe('list');
  });

  test('help: top level, per group, per command', () => {
    const top = run(['--help']);
    expect(top.kind === 'help' && top.text).toContain('admin keys create CUSTOMER_ID');
    const group = run(['services', '-h']);
    expect(group.kind === 'help' && group.text).toContain('services reload-mapping ID');
    expect(group.kind === 'help' && group.text).not.toContain('nodes list');
    const command = run(['services', 'register', '--help']);
    expect(command.kind === 'help' && command.text).toContain('Usage: courier services register --name NAME --mapping S3_URI');
  });

  test('mistakes name what is wrong and carry the help that fixes them', () => {
    expect(usageError([]).message).toBe("missing command after 'courier'");
    expect(usageError(['services', 'frobnicate']).message).toBe('unknown command: courier services frobnicate');
    expect(usageError(['services', 'frobnicate']).help).toContain('services list');
    expect(usageError(['nodes', 'show', 'svc']).message).toBe('nodes show: missing NODE');
    expect(usageError(['services', 'show', 'a', 'b']).message).toBe("services show: unexpected argument 'b'");
    expect(usageError(['services', 'list', '--ttl', '1']).message).toBe("Unknown option '--ttl'");
    expect(usageError(['services', 'register', '--name', 'x']).message).toBe('services register: missing --mapping, --metadata-url, --ttl, --endpoint');
    expect(usageError(['services', 'register', '--name', 'x']).help).toContain('--refresh-before SECONDS');

    const register = run(['services', 'update', 'svc', '--metadata-max-rps', 'lots']);
    expect(register.kind === 'run' && (() => register.input.number('metadata-max-rps'))).toThrow("--metadata-max-rps: must be a number, not 'lots'");
    const rate = run(['services', 'update', 'svc', '--metadata-max-rps', '2.5']);
    expect(rate.kind === 'run' && rate.input.number('metadata-max-rps')).toBe(2.5);

    const resolved = run(['watch', 'svc', '--interval', 'often']);
    expect(resolved.kind === 'run' && (() => resolved.input.integer('interval'))).toThrow("--interval: must be an integer, not 'often'");
  });
});
