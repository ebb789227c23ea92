/**
 * The admin key: no well-known default outside development, and none short or patterned
 * enough to guess. The API process refuses to start without a proper COURIER_ADMIN_KEY.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../../src/stack/paths';
import { startApiStack, type ApiStack } from '../../support/api';
import { adminKeyOf } from '../../support/tenants';

let stack: ApiStack;
beforeAll(async () => {
  stack = await startApiStack('hostile-admin');
});
afterAll(() => stack?.close());

/** The API as deployed, with `adminKey` (undefined: unset); resolves when it exits, or is stopped after 2 minutes. */
function startApi(adminKey: string | undefined): Promise<{ code: number | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, API_PORT: '0', COURIER_LOG_LEVEL: 'silent' };
  delete env.COURIER_ADMIN_KEY;
  if (adminKey !== undefined) env.COURIER_ADMIN_KEY = adminKey;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/api/main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), 120_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

test('the API refuses to start without COURIER_ADMIN_KEY instead of accepting a default key', async () => {
  const run = await startApi(undefined);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('COURIER_ADMIN_KEY is not set');
});

test('the API refuses to start with the old development key or any key short of 32 random bytes', async () => {
  const weak = ['courier-dev-admin-key', 'a'.repeat(64), 'abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc'];
  const runs = await Promise.all(weak.map(startApi));
  expect(runs.map((run) => run.code)).toEqual([1, 1, 1]);
  for (const run of runs) expect(run.stderr).toContain('COURIER_ADMIN_KEY');
});

test('the well-known development admin key opens nothing on a running API', async () => {
  const r = await stack.api.call('POST', '/v1/admin/customers', { key: 'courier-dev-admin-key', body: { name: 'intruder' } });
  expect(r.status).toBe(401);
});

test('admin keys the API generates carry 32 random bytes', async () => {
  const created = await stack.api.call('POST', '/v1/admin/keys', { key: adminKeyOf(stack.config) });
  expect(created.status).toBe(201);
  const [, random] = /^ak_([A-Za-z0-9_-]+)$/.exec(created.body.key) ?? [];
  expect(Buffer.from(random ?? '', 'base64url').length).toBeGreaterThanOrEqual(32);
});
