/**
 * Limits an attacker would get around by spreading requests over API processes, and key
 * guessing: the per-key rate limit holds across processes, and failed authentication is
 * limited per source address and audited. Requests leave from loopback addresses of their own,
 * new each run, so neither other test files' calls from 127.0.0.1 nor an earlier run count here.
 */
import { randomInt } from 'node:crypto';
import { startApiStack, type ApiStack } from '../../support/api';
import { adminKeyOf, newTenant } from '../../support/tenants';

let stack: ApiStack;
const ADMIN = () => adminKeyOf(stack.config);
beforeAll(async () => {
  stack = await startApiStack('hostile-limits');
});
afterAll(() => stack?.close());

const newAddress = () => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

test('two API processes together allow one key its limit once, not twice', async () => {
  const limit = { COURIER_RATE_LIMIT_PER_SECOND: 0.01, COURIER_RATE_LIMIT_BURST: 4 };
  const processes = [await stack.another(limit), await stack.another(limit)];
  const tenant = await newTenant(stack.api, ADMIN(), 'spread');
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await processes[i % 2]!.call('GET', '/v1/services', { key: tenant.key })).status);
  expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
});

test('failed authentications are limited per source address: past the limit even a valid key from there waits', async () => {
  const guarded = await stack.another({ COURIER_AUTH_FAILURES_PER_MINUTE: 3 });
  const tenant = await newTenant(stack.api, ADMIN(), 'guessed');
  const attacker = newAddress();
  const guesses = [];
  for (let i = 0; i < 4; i++) guesses.push(await guarded.call('GET', '/v1/services', { key: `ck_guess${i}`, from: attacker }));
  expect(guesses.map((r) => r.status)).toEqual([401, 401, 401, 429]);
  expect(Number(guesses[3]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(guesses[3]!.type).toContain('application/problem+json');
  expect((await guarded.call('GET', '/v1/services', { key: tenant.key, from: attacker })).status).toBe(429);
  // Another address is not punished for the attacker's guesses.
  expect((await guarded.call('GET', '/v1/services', { key: tenant.key, from: newAddress() })).status).toBe(200);
});

test('every failed authentication is in the audit log with its source address, the key never', async () => {
  const guarded = await stack.another({ COURIER_AUTH_FAILURES_PER_MINUTE: 100 });
  const secretGuess = `ck_${'g'.repeat(43)}`;
  const source = newAddress();
  expect((await guarded.call('DELETE', '/v1/services/00000000-0000-4000-8000-000000000000', { key: secretGuess, from: source })).status).toBe(401);
  expect((await guarded.call('POST', '/v1/admin/customers', { body: { name: 'x' }, from: source })).status).toBe(401);
  const audit = await stack.api.call('GET', '/v1/admin/audit?limit=100', { key: ADMIN() });
  const refused = audit.body.items.filter((e: { target: { source?: string } }) => e.target.source === source);
  expect(refused.map((e: { method: string; route: string; status: number; actor: object }) => [e.method, e.route, e.status, e.actor])).toEqual([
    ['POST', '/v1/admin/customers', 401, { keyId: 'unauthenticated', scope: null, customerId: null }],
    ['DELETE', '/v1/services/{id}', 401, { keyId: 'unauthenticated', scope: null, customerId: null }],
  ]);
  expect(JSON.stringify(audit.body)).not.toContain(secretGuess);
});
