/**
 * The idempotency store, read by someone with the database (a backup, a read replica, an
 * operator) or used by another API key: it must hold no secret in clear, give no key another
 * key's answers, and forget answers after its TTL.
 */
import { sweepExpired } from '../../../src/api/services/sweep';
import { startApiStack, type ApiStack } from '../../support/api';
import { adminKeyOf, newTenant, registration } from '../../support/tenants';

let stack: ApiStack;
const ADMIN = () => adminKeyOf(stack.config);
beforeAll(async () => {
  stack = await startApiStack('hostile-idempotency');
});
afterAll(() => stack?.close());

const idem = (name: string) => ({ 'idempotency-key': `${name}-${Date.now()}` });

/** Every stored byte of the records of these idempotency keys, in the encodings a reader would try. */
async function storedForms(keys: string[]): Promise<string> {
  const { rows } = await stack.db.pool.query<{ request_hash: string; sealed_body: Buffer }>(
    'SELECT request_hash, sealed_body FROM idempotency_records WHERE key = ANY($1)',
    [keys],
  );
  expect(rows).toHaveLength(keys.length);
  return rows.map((r) => [r.request_hash, r.sealed_body.toString('utf8'), r.sealed_body.toString('hex'), r.sealed_body.toString('base64')].join('\n')).join('\n');
}

test('a replayed registration and API key still return their secrets, but the store holds neither in clear', async () => {
  const tenant = await newTenant(stack.api, ADMIN(), 'sealed');
  const serviceKey = idem('register');
  const first = await stack.api.call('POST', '/v1/services', { key: tenant.key, headers: serviceKey, body: registration('sealed', 'sealed/n.csv') });
  expect(first.status).toBe(201);
  const replay = await stack.api.call('POST', '/v1/services', { key: tenant.key, headers: serviceKey, body: registration('sealed', 'sealed/n.csv') });
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body).toEqual(first.body);

  const keyKey = idem('key');
  const apiKey = await stack.api.call('POST', `/v1/admin/customers/${tenant.id}/keys`, { key: ADMIN(), headers: keyKey });
  expect(apiKey.status).toBe(201);

  const stored = await storedForms([serviceKey['idempotency-key'], keyKey['idempotency-key']]);
  expect(stored).not.toContain(first.body.signingSecret);
  expect(stored).not.toContain(Buffer.from(first.body.signingSecret).toString('hex'));
  expect(stored).not.toContain(apiKey.body.key);
  expect(stored).not.toContain(first.body.id);
});

test("another API key of the same customer gets no replay of a key's response under the same Idempotency-Key", async () => {
  const tenant = await newTenant(stack.api, ADMIN(), 'two-keys');
  const second = (await stack.api.call('POST', `/v1/admin/customers/${tenant.id}/keys`, { key: ADMIN() })).body.key as string;
  const headers = idem('shared');
  const first = await stack.api.call('POST', '/v1/services', { key: tenant.key, headers, body: registration('first', 'two-keys/n.csv') });
  expect(first.status).toBe(201);
  // Same key, same body, other API key: not the first key's response (and its secret), but a request of its own.
  const other = await stack.api.call('POST', '/v1/services', { key: second, headers, body: registration('first', 'two-keys/n.csv') });
  expect(other.status).toBe(409);
  expect(other.headers.get('idempotent-replayed')).toBeNull();
  // And its own requests under that key are not refused as another's reuse.
  const own = await stack.api.call('POST', '/v1/services', { key: second, headers, body: registration('second', 'two-keys/n.csv') });
  expect(own.status).toBe(201);
});

test('two admin keys do not share one idempotency scope', async () => {
  const otherAdmin = (await stack.api.call('POST', '/v1/admin/keys', { key: ADMIN() })).body.key as string;
  const headers = idem('admins');
  const a = await stack.api.call('POST', '/v1/admin/customers', { key: ADMIN(), headers, body: { name: 'by-bootstrap' } });
  const b = await stack.api.call('POST', '/v1/admin/customers', { key: otherAdmin, headers, body: { name: 'by-bootstrap' } });
  expect([a.status, b.status]).toEqual([201, 201]);
  expect(b.body.id).not.toBe(a.body.id);
});

test('records expire: past the TTL a retry is a new request, and the sweep deletes them', async () => {
  const ttlHours = 1 / 3600;
  const shortLived = await stack.another({ COURIER_IDEMPOTENCY_TTL_HOURS: ttlHours });
  const headers = idem('expiring');
  const first = await shortLived.call('POST', '/v1/admin/customers', { key: ADMIN(), headers, body: { name: 'expiring' } });
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const later = await shortLived.call('POST', '/v1/admin/customers', { key: ADMIN(), headers, body: { name: 'expiring' } });
  expect(later.headers.get('idempotent-replayed')).toBeNull();
  expect(later.body.id).not.toBe(first.body.id);

  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await sweepExpired({ db: stack.db, config: { ...stack.config, COURIER_IDEMPOTENCY_TTL_HOURS: ttlHours } });
  const { rows } = await stack.db.pool.query('SELECT 1 FROM idempotency_records WHERE key = $1', [headers['idempotency-key']]);
  expect(rows).toEqual([]);
});
