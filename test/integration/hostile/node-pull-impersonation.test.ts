/**
 * Attack: a node of a service — which holds the service's signing secret and its own pull token —
 * pulls as another node of the same service, to mark it fresh (a pull counts as its ack) and hide
 * that pushes to it fail. Pull tokens are signed with a key nodes never see and bound to one node,
 * so every forgery is refused and the victim's row is untouched; pulls are limited per node, and
 * each one is recorded.
 */
import { createHmac } from 'node:crypto';
import { nodeAuthorization } from '../../../src/domain/node-credential';
import { nodesDown } from '../../../src/simulators/node-fleet';
import { csvMapping, Engine, FLEET_SECRET } from '../../support/engine';
import { eventually } from '../../support/eventually';

const PULLS_PER_MINUTE = 3;

describe('hostile: a node pulling as another node', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.start('impersonation', { apiConfig: { COURIER_PULLS_PER_MINUTE: PULLS_PER_MINUTE } });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('refuses every credential the attacker can make, and leaves the victim failing', async () => {
    const uri = await engine.putMapping('hostile/impersonation.csv', csvMapping('imp-', 2));
    const id = await engine.registerService('impersonated', uri, { ttlSeconds: 600, refreshBeforeSeconds: 200 });
    await eventually('both nodes acked', async () => (engine.fleet.pullCredential('imp-0', 'impersonated') && engine.fleet.pullCredential('imp-1', 'impersonated') ? true : undefined));
    // The victim's pushes start failing: Courier must keep saying so.
    engine.fleet.setFaults([nodesDown(['imp-1'])]);
    await engine.api('POST', `/v1/services/${id}/nodes/imp-1/refresh`);
    const victim = async () => (await engine.api('GET', `/v1/services/${id}/nodes/imp-1`)).body;
    await eventually('imp-1 failing', async () => ((await victim()).state === 'failing' ? true : undefined));
    const before = await victim();

    const own = engine.fleet.pullCredential('imp-0', 'impersonated')!;
    const [format, kid, expiry] = own.token.split('.');
    const asVictim = (authorization: string) => fetch(`${engine.apiUrl}/v1/nodes/imp-1/metadata?service=${id}`, { headers: { authorization } });
    const attacks = {
      'the old credential, an HMAC of the signing secret': `Courier-Node ${createHmac('sha256', FLEET_SECRET).update(`pull:${id}:imp-1`).digest('hex')}`,
      "the attacker's own token": nodeAuthorization(own.token),
      'a token signed with the signing secret': nodeAuthorization(
        [format, kid, expiry, createHmac('sha256', FLEET_SECRET).update(`pt1\n${kid}\n${id}\nimp-1\n${expiry}`).digest('base64url')].join('.'),
      ),
      "the attacker's token with a later expiry": nodeAuthorization([format, kid, String(Number(expiry) + 86_400), own.token.split('.')[3]].join('.')),
    };
    for (const [attack, authorization] of Object.entries(attacks)) {
      const res = await asVictim(authorization);
      expect({ attack, status: res.status }).toEqual({ attack, status: 401 });
    }
    // Retries go on, so attempts may grow; what a pull would change has not.
    expect(await victim()).toMatchObject({ state: 'failing', version: before.version, deliveredAt: before.deliveredAt, expiresAt: before.expiresAt });
    const { rows: pulls } = await engine.db.pool.query(`SELECT 1 FROM node_pulls WHERE service_id = $1 AND node_id = 'imp-1'`, [id]);
    expect(pulls).toHaveLength(0);

    // The victim itself, with the token its last push carried, gets through.
    expect(await engine.fleet.pull('imp-1', 'impersonated')).toMatchObject({ pulled: true });
    expect(await victim()).toMatchObject({ state: 'fresh', lastError: null });
  });

  it('limits pulls per node and records each one', async () => {
    const uri = await engine.putMapping('hostile/pull-limit.csv', csvMapping('lim-', 1));
    const id = await engine.registerService('pull-limited', uri, { ttlSeconds: 600, refreshBeforeSeconds: 200 });
    await eventually('lim-0 acked', async () => (engine.fleet.pullCredential('lim-0', 'pull-limited') ? true : undefined));
    for (let i = 0; i < PULLS_PER_MINUTE; i++) expect(await engine.fleet.pull('lim-0', 'pull-limited')).toMatchObject({ pulled: true });
    const { token } = engine.fleet.pullCredential('lim-0', 'pull-limited')!;
    const refused = await fetch(`${engine.apiUrl}/v1/nodes/lim-0/metadata?service=${id}`, { headers: { authorization: nodeAuthorization(token) } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const { rows } = await engine.db.pool.query<{ outcome: string; version: string | null }>(
      `SELECT outcome, version FROM node_pulls WHERE service_id = $1 AND node_id = 'lim-0' ORDER BY id`,
      [id],
    );
    expect(rows).toHaveLength(PULLS_PER_MINUTE);
    expect(rows.every((r) => r.outcome === 'delivered' && r.version !== null)).toBe(true);
  });
});
