/**
 * The `courier` command line as a customer runs it: a child process against a real Courier (API,
 * worker, Temporal, PostgreSQL, MinIO) delivering to the simulated node fleet. Outcomes are read
 * from the fleet's ledger and the database, not only from what the CLI prints.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { csvMapping, Engine, FLEET_SECRET, MAPPING_BUCKET } from '../support/engine';
import { ledgerOf } from '../support/ledger';
import { freeLoopbackPort } from '../../src/net/free-port';

const ROOT = join(__dirname, '..', '..');
const NODES = 12;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('courier CLI', () => {
  let engine: Engine;
  let env: NodeJS.ProcessEnv;

  const courier = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
        cwd: ROOT,
        env: { ...env, ...extraEnv },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });

  /** Runs a command that must succeed and returns its --json output. */
  const json = async (args: string[]): Promise<any> => {
    const run = await courier([...args, '--json']);
    expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: expect.any(String) });
    return JSON.parse(run.stdout);
  };

  const noStackTrace = (run: Run) => expect(run.stderr).not.toMatch(/\n\s+at /);

  beforeAll(async () => {
    engine = await Engine.start('cli');
    // No key from the environment the tests run in: each command gets the one the test means.
    env = { ...process.env, COURIER_URL: engine.apiUrl, COURIER_ADMIN_KEY: engine.config.COURIER_ADMIN_KEY };
    delete env.COURIER_API_KEY;
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('takes a customer from nothing to every node fresh, forces a node and reads notifications', async () => {
    const customer = await json(['admin', 'customers', 'create', '--name', 'cli-co']);
    expect(customer).toEqual({ id: expect.any(String), name: 'cli-co' });
    // Mapping grants are an admin's API call the CLI does not wrap.
    expect((await engine.api('POST', `/v1/admin/customers/${customer.id}/mapping-grants`, { bucket: MAPPING_BUCKET, prefix: 'cli/' }, engine.adminKey)).status).toBe(201);
    const keyRun = await courier(['admin', 'keys', 'create', customer.id]);
    expect(keyRun.code).toBe(0);
    expect(keyRun.stderr).toContain('shown only now');
    env.COURIER_API_KEY = keyRun.stdout.trim();
    expect(env.COURIER_API_KEY).toMatch(/^ck_/);

    const mapping = await engine.putMapping('cli/nodes.csv', csvMapping('cli-', NODES));
    const registered = await courier([
      'services', 'register',
      '--name', 'cli-svc',
      '--mapping', mapping,
      '--format', 'csv',
      '--metadata-url', `${engine.source.url}/v1/metadata?service={service}`,
      '--metadata-max-rps', '500.5',
      '--ttl', '60',
      '--refresh-before', '20',
      '--endpoint', `${engine.fleet.url}/nodes/{node}/metadata`,
      '--timeout-ms', '2000',
      '--signing-secret', FLEET_SECRET,
    ]);
    expect(registered.code).toBe(0);
    expect(registered.stdout).toContain(`signing secret: ${FLEET_SECRET}`);
    expect(registered.stderr).toContain('shown only now');
    const id = /Registered service cli-svc: (\S+)/.exec(registered.stdout)?.[1] as string;
    expect(await engine.db.prisma.service.findUnique({ where: { id } })).toMatchObject({
      customerId: customer.id,
      ttlSeconds: 60,
      metadataMaxRequestsPerSecond: 500.5,
    });

    // Not a terminal: one JSON line per poll, the last one all fresh.
    const watched = await courier(['watch', id, '--until-fresh', '--interval', '1', '--timeout', '120']);
    expect({ code: watched.code, stderr: watched.stderr }).toEqual({ code: 0, stderr: '' });
    const polls = watched.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(polls.at(-1)).toMatchObject({ id, mapping: { nodeCount: NODES }, nodes: { total: NODES, fresh: NODES } });
    const ledger = ledgerOf(engine.fleet, 'cli-svc');
    expect(ledger.size).toBe(NODES);
    expect([...ledger.values()].every((n) => n.deliveries >= 1)).toBe(true);

    const nodes = await json(['nodes', 'list', id]);
    expect(nodes).toHaveLength(NODES);
    expect(new Set(nodes.map((n: { state: string }) => n.state))).toEqual(new Set(['fresh']));
    const table = await courier(['nodes', 'list', id, '--state', 'fresh']);
    expect(table.stdout.split('\n')[0]).toMatch(/^NODE\s+STATE\s+VERSION\s+EXPIRES\s+ATTEMPTS\s+LAST ERROR$/);
    expect(table.stdout).toMatch(/^cli-0\s+fresh\s/m);

    // Forced: a known node, and one the mapping does not list.
    const before = engine.fleet.node('cli-3', 'cli-svc')?.deliveries ?? 0;
    const forced = await json(['nodes', 'refresh', id, 'cli-3']);
    expect(forced).toMatchObject({ nodeId: 'cli-3', version: expect.any(String), expiresAt: expect.any(String) });
    expect(engine.fleet.node('cli-3', 'cli-svc')?.deliveries).toBe(before + 1);
    const added = await courier(['nodes', 'refresh', id, 'cli-extra', '--endpoint', `${engine.fleet.url}/nodes/cli-extra/metadata`]);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Node cli-extra acked version');
    expect(await json(['nodes', 'show', id, 'cli-extra'])).toMatchObject({ nodeId: 'cli-extra', state: 'fresh', attempts: expect.any(Number) });
    expect(engine.fleet.node('cli-extra', 'cli-svc')?.deliveries).toBe(1);

    const snapshot = await courier(['watch', id, '--once']);
    expect(snapshot.code).toBe(0);
    expect(snapshot.stdout.trim().split('\n')).toHaveLength(1);

    const updated = await json(['services', 'update', id, '--ttl', '90']);
    expect(updated).toMatchObject({ id, ttlSeconds: 90, refreshBeforeSeconds: 20 });
    const list = await courier(['services', 'list']);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+cli-svc\\s+active\\s+90 s\\s+${mapping}$`, 'm'));

    await engine.db.prisma.notification.create({
      data: { customerId: customer.id, serviceId: id, kind: 'breach', severity: 'critical', message: 'node cli-1 held expired metadata' },
    });
    const tail = await courier(['notifications', 'tail', '--service', id, '--json']);
    expect(tail.code).toBe(0);
    expect(tail.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ serviceId: id, kind: 'breach', message: 'node cli-1 held expired metadata' }),
    ]);

    const deleted = await courier(['services', 'delete', id]);
    expect(deleted.code).toBe(0);
    expect(await json(['services', 'list'])).toEqual([]);
  });

  it('reports bad input per flag with exit code 1, and usage mistakes with help and exit code 2', async () => {
    const bad = await courier(
      ['services', 'register', '--name', 'Bad_Name', '--mapping', 'not-s3', '--metadata-url', 'http://m/', '--ttl', '5', '--endpoint', 'http://{node}/'],
      { COURIER_API_KEY: engine.customerKey },
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('courier: Invalid request:');
    expect(bad.stderr).toMatch(/^ {2}--name: must be 1-63 characters/m);
    expect(bad.stderr).toMatch(/^ {2}--mapping: must be an s3:\/\/bucket\/key URI$/m);
    expect(bad.stderr).toMatch(/^ {2}--ttl: /m);
    noStackTrace(bad);

    const notInteger = await courier(['services', 'register', '--name', 'x', '--mapping', 's3://b/k', '--metadata-url', 'http://m/', '--ttl', 'soon', '--endpoint', 'http://e/']);
    expect(notInteger.code).toBe(2);
    expect(notInteger.stderr).toContain("--ttl: must be an integer, not 'soon'");
    expect(notInteger.stderr).toContain('courier services register\n');

    const missing = await courier(['nodes', 'show', '00000000-0000-4000-8000-000000000000'], { COURIER_API_KEY: engine.customerKey });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('courier: Not enough non-option arguments: got 1, need at least 2');
    expect(missing.stderr).toContain('courier nodes show <ID> <NODE>');

    const unknown = await courier(['services', 'show', '00000000-0000-4000-8000-000000000000'], { COURIER_API_KEY: engine.customerKey });
    expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({ code: 1, stderr: 'courier: Not found: No such service.\n' });

    const wrongKey = await courier(['services', 'list'], { COURIER_API_KEY: 'ck_not-a-key' });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('Unauthorized');

    const port = await freeLoopbackPort();
    const unreachable = await courier(['services', 'list', '--url', `http://127.0.0.1:${port}`], { COURIER_API_KEY: engine.customerKey });
    expect({ code: unreachable.code, stderr: unreachable.stderr }).toEqual({
      code: 1,
      stderr: `courier: cannot reach Courier at http://127.0.0.1:${port}: connection refused\n`,
    });

    const help = await courier(['nodes', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('courier nodes refresh <ID> <NODE>');
    expect(help.stdout).not.toContain('services register');
  });
});
