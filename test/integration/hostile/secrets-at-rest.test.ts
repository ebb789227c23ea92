/**
 * Attack: someone reads the database (a backup, a replica, a support query) and collects every
 * service's signing and notification secrets, to push forged metadata to nodes or forge webhooks.
 * Secrets are sealed under COURIER_SECRETS_KEY, which the database never holds: the rows carry
 * no secret, rows written before sealing are sealed by the upgrade, and a key rotation re-seals
 * every row while deliveries go on.
 */
import { randomBytes } from 'node:crypto';
import { sealStoredSecrets } from '../../../src/store/service-secrets';
import { secretsKeyring } from '../../../src/config';
import { open, parseKeyring } from '../../../src/domain/secret-box';
import { csvMapping, Engine } from '../../support/engine';
import { eventually } from '../../support/eventually';

describe('hostile: reading secrets out of the database', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.start('at-rest');
  });
  afterAll(async () => {
    await engine?.close();
  });

  const rowText = async (id: string) =>
    (await engine.db.pool.query<{ row: string }>(`SELECT to_jsonb(s)::text AS row FROM services s WHERE id = $1`, [id])).rows[0]!.row;
  const refresh = (id: string, nodeId: string) => engine.api('POST', `/v1/services/${id}/nodes/${nodeId}/refresh`);
  /** The simulated node checks each delivery's signature with the secret it was given: an ack means Courier signed with it. */
  const acked = (service: string, nodeId: string, times = 1) =>
    eventually(`${nodeId} acked ${times}x`, async () => ((engine.fleet.node(nodeId, service)?.deliveries ?? 0) >= times ? true : undefined));

  it('stores no secret in clear, and delivers with the sealed one', async () => {
    const signingSecret = randomBytes(24).toString('hex');
    engine.fleet.setSecret('sealed', signingSecret);
    const uri = await engine.putMapping('hostile/sealed.csv', csvMapping('seal-', 1));
    const registered = await engine.register('sealed', uri, { signingSecret, ttlSeconds: 600, refreshBeforeSeconds: 200 });
    const row = await rowText(registered.id);
    expect(row).not.toContain(signingSecret);
    expect(row).not.toContain(registered.notificationSecret);
    const keyring = secretsKeyring(engine.config);
    expect(JSON.parse(row)).toMatchObject({ signing_secret: null, signing_secret_sealed: expect.stringMatching(new RegExp(`^sb1\\.${keyring.current.kid}\\.`)) });
    await acked('sealed', 'seal-0');
    expect(engine.fleet.node('seal-0', 'sealed')).toMatchObject({ rejected: 0 });
  });

  it('seals rows written in clear before the upgrade, and re-seals every row on a key rotation', async () => {
    const signingSecret = randomBytes(24).toString('hex');
    engine.fleet.setSecret('legacy', signingSecret);
    const uri = await engine.putMapping('hostile/legacy.csv', csvMapping('old-', 1));
    const { id } = await engine.register('legacy', uri, { signingSecret, ttlSeconds: 600, refreshBeforeSeconds: 200 });
    await acked('legacy', 'old-0');
    // The row as the previous release wrote it.
    await engine.db.pool.query(`UPDATE services SET signing_secret = $2, signing_secret_sealed = NULL, notification_secret_sealed = NULL WHERE id = $1`, [id, signingSecret]);
    expect(await refresh(id, 'old-0')).toMatchObject({ status: 200 });
    await acked('legacy', 'old-0', 2);

    const keyring = secretsKeyring(engine.config);
    expect(await sealStoredSecrets(engine.db.pool, keyring)).toBeGreaterThanOrEqual(1);
    expect(await rowText(id)).not.toContain(signingSecret);
    expect(await sealStoredSecrets(engine.db.pool, keyring)).toBe(0);
    expect(await refresh(id, 'old-0')).toMatchObject({ status: 200 });
    await acked('legacy', 'old-0', 3);

    // Rotation: a new key, the old one kept for reading. Every row moves to the new key, same secret.
    const newKey = randomBytes(32).toString('base64');
    const rotated = parseKeyring(newKey, engine.config.COURIER_SECRETS_KEY);
    try {
      expect(await sealStoredSecrets(engine.db.pool, rotated)).toBeGreaterThanOrEqual(2);
      const { rows } = await engine.db.pool.query<{ sealed: string }>(`SELECT signing_secret_sealed AS sealed FROM services WHERE id = $1`, [id]);
      expect(rows[0]!.sealed.split('.')[1]).toBe(rotated.current.kid);
      expect(open(rotated, rows[0]!.sealed)).toBe(signingSecret);
      expect(() => open(keyring, rows[0]!.sealed)).toThrow(/neither COURIER_SECRETS_KEY nor in COURIER_SECRETS_OLD_KEYS/);
    } finally {
      // Back under the stack's key: the worker of this run knows only that one.
      await sealStoredSecrets(engine.db.pool, parseKeyring(engine.config.COURIER_SECRETS_KEY!, newKey));
    }
    expect(await refresh(id, 'old-0')).toMatchObject({ status: 200 });
    await acked('legacy', 'old-0', 4);
    expect(engine.fleet.node('old-0', 'legacy')).toMatchObject({ rejected: 0 });
  });
});
