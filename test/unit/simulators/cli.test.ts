import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CliError, parseCli } from '../../../src/simulators/cli-options';

const ROOT = join(__dirname, '../../..');

describe('simulators CLI options', () => {
  it('starts both simulators with defaults', () => {
    expect(parseCli([], {})).toEqual({
      help: false,
      host: '127.0.0.1',
      fleet: { port: 9101, secret: undefined, faults: [] },
      source: { port: 9102, payloadBytes: 10_240, mode: 'shared', rotateEverySeconds: undefined },
    });
  });

  it('reads the environment and flags', () => {
    const options = parseCli(['--fleet-only', '--faults', '{"rate":0.1,"mode":"error"}'], {
      NODE_FLEET_PORT: '0',
      NODE_FLEET_SECRET: 's3cret',
    });
    expect(options.source).toBeUndefined();
    expect(options.fleet).toEqual({ port: 0, secret: 's3cret', faults: [{ rate: 0.1, mode: 'error', status: 503 }] });
    expect(parseCli(['--metadata-only'], { METADATA_MODE: 'perNode' }).source?.mode).toBe('perNode');
  });

  it.each([
    [[], { METADATA_MODE: 'bogus' }, /METADATA_MODE/],
    [[], { NODE_FLEET_PORT: '70000' }, /NODE_FLEET_PORT/],
    [['--faults', '{not json'], {}, /--faults is not JSON/],
    [['--faults', '[{"mode":"slow"}]'], {}, /0\.mode/],
    [['--fleet-only', '--metadata-only'], {}, /exclude each other/],
    [['--bogus'], {}, /bogus/],
  ])('refuses %j with %j plainly', (argv, env, message) => {
    expect(() => parseCli(argv, env)).toThrow(CliError);
    expect(() => parseCli(argv, env)).toThrow(message);
  });
});

describe('simulators CLI process', () => {
  jest.setTimeout(30_000);

  const run = (argv: string[], env: Record<string, string>) =>
    spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'src/simulators/main.ts'), ...argv], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  const collect = (child: ReturnType<typeof run>) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { output: () => out, exited };
  };

  it('prints the URLs, serves, and exits 0 on SIGTERM', async () => {
    const child = run([], { NODE_FLEET_PORT: '0', METADATA_SOURCE_PORT: '0' });
    const { output, exited } = collect(child);
    while (!/metadata source\s+http/.test(output())) await new Promise((r) => setTimeout(r, 50));

    const fleetUrl = /node fleet\s+(http:\/\/\S+)/.exec(output())?.[1];
    expect((await fetch(`${fleetUrl}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('explains bad input without a stack trace and exits 2', async () => {
    const { output, exited } = collect(run([], { METADATA_PAYLOAD_BYTES: 'lots' }));
    expect(await exited).toBe(2);
    expect(output()).toMatch(/METADATA_PAYLOAD_BYTES/);
    expect(output()).not.toMatch(/\n\s+at /);
  });
});
