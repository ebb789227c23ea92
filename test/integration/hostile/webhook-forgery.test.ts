/**
 * Attack: a node, which holds its service's signing secret, forges a webhook to the customer
 * ("all recovered") or replays an old one. Webhooks are signed with a notification secret of
 * their own over a timestamp and the body: the customer's receiver, verifying with
 * src/domain/signing.ts's verifyWebhook, takes Courier's and refuses the forgeries and stale replays.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordServiceAlert } from '../../../src/activities/alert-events';
import { signBody, signWebhook, verifyWebhook, WEBHOOK_TOLERANCE_SECONDS, type WebhookCheck } from '../../../src/domain/signing';
import { csvMapping, Engine, FLEET_SECRET } from '../../support/engine';
import { eventually } from '../../support/eventually';

interface Received {
  raw: string;
  signature: string | undefined;
  check: WebhookCheck;
}

/** A customer's webhook endpoint that verifies what it gets, as the README tells customers to. */
class VerifyingReceiver {
  readonly received: Received[] = [];
  secret = '';
  url = '';
  private readonly server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const signature = req.headers['courier-signature'] as string | undefined;
      const check = verifyWebhook(this.secret, raw, signature, new Date());
      this.received.push({ raw, signature, check });
      res.writeHead(check.valid ? 204 : 401).end();
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/courier`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('hostile: a node forging or replaying webhooks', () => {
  let engine: Engine;
  const receiver = new VerifyingReceiver();

  beforeAll(async () => {
    await receiver.start();
    engine = await Engine.start('forgery', { workerEnv: { COURIER_NOTIFY_EVERY_SECONDS: '1', COURIER_NOTIFY_COALESCE_SECONDS: '0' } });
  });
  afterAll(async () => {
    await engine?.close();
    await receiver.close();
  });

  it("takes Courier's webhook and refuses what a node can make", async () => {
    const uri = await engine.putMapping('hostile/forgery.csv', csvMapping('forge-', 1));
    const registered = await engine.register('forged', uri, { ttlSeconds: 600, refreshBeforeSeconds: 200, notifications: { webhookUrl: receiver.url } });
    expect(registered.notificationSecret).toEqual(expect.any(String));
    expect(registered.notificationSecret).not.toBe(registered.signingSecret);
    receiver.secret = registered.notificationSecret;

    await recordServiceAlert(engine.db.pool, registered.id, 'source_unavailable', 'a real alert');
    const real = await eventually("Courier's webhook received", async () => receiver.received.find((r) => r.check.valid), 30_000);
    expect(JSON.parse(real.raw)).toMatchObject({ kind: 'source_unavailable', service: { id: registered.id } });

    // What a node can make: the body of its choice, signed with the only secret it holds.
    const forged = JSON.stringify({ ...JSON.parse(real.raw), kind: 'recovered', message: 'all fine, ignore the pages' });
    const now = new Date();
    const forgeries = {
      'the old delivery-style signature': signBody(FLEET_SECRET, forged),
      'a timestamped signature with the signing secret': signWebhook(FLEET_SECRET, forged, now),
      "Courier's signature on another body": real.signature!,
    };
    for (const [forgery, signature] of Object.entries(forgeries)) {
      const res = await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json', 'courier-signature': signature }, body: forged });
      expect({ forgery, status: res.status }).toEqual({ forgery, status: 401 });
    }

    // A replay of Courier's own webhook is recognised once it is older than the tolerance.
    const check = real.check as Extract<WebhookCheck, { valid: true }>;
    const later = new Date(check.signedAt.getTime() + (WEBHOOK_TOLERANCE_SECONDS + 1) * 1000);
    expect(verifyWebhook(receiver.secret, real.raw, real.signature, later)).toEqual({ valid: false, reason: 'stale' });
  });

  it('signs with a rotated secret from the rotation on', async () => {
    const uri = await engine.putMapping('hostile/rotation.csv', csvMapping('rot-', 1));
    const registered = await engine.register('rotated', uri, { ttlSeconds: 600, refreshBeforeSeconds: 200, notifications: { webhookUrl: receiver.url } });
    const rotated = await engine.api('POST', `/v1/services/${registered.id}/notification-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.notificationSecret).not.toBe(registered.notificationSecret);
    receiver.secret = rotated.body.notificationSecret;
    const seen = receiver.received.length;
    await recordServiceAlert(engine.db.pool, registered.id, 'mapping_failed', 'after the rotation');
    const next = await eventually('a webhook after the rotation', async () => receiver.received.slice(seen).find((r) => r.raw.includes(registered.id)), 30_000);
    expect(next.check).toMatchObject({ valid: true });
    expect(verifyWebhook(registered.notificationSecret, next.raw, next.signature, new Date())).toEqual({ valid: false, reason: 'mismatch' });
  });
});
