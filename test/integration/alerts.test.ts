/**
 * No silent failures, end to end on the real stack: nodes that fail past their budget and their
 * deadline are announced once per episode on every channel (in-app, webhook, email), a storm is
 * one summary per window, and a webhook that is down gets its notifications later, once.
 */
import { nodesDown } from '../../src/simulators/node-fleet';
import { verifySignature, verifyWebhook } from '../../src/domain/signing';
import { csvMapping, Engine, FLEET_SECRET } from '../support/engine';
import { eventually } from '../support/eventually';
import { MailReceiver, WebhookReceiver } from '../support/receivers';

const COALESCE_SECONDS = 3;

interface NotificationView {
  kind: string;
  severity: string;
  message: string;
  data: { nodeCount: number; sampleNodeIds: string[] };
  deliveries: { channel: string; status: string; attempts: number }[];
}

describe('alerts and notifications', () => {
  let engine: Engine;
  let webhook: WebhookReceiver;
  let mail: MailReceiver;

  beforeAll(async () => {
    webhook = await WebhookReceiver.start();
    mail = await MailReceiver.start();
    engine = await Engine.start('alerts', {
      workerEnv: {
        COURIER_NOTIFY_EVERY_SECONDS: '1',
        COURIER_NOTIFY_COALESCE_SECONDS: String(COALESCE_SECONDS),
        COURIER_RETRY_MAX_SECONDS: '2',
        COURIER_SMTP_URL: mail.url,
      },
    });
  });
  afterAll(async () => {
    await engine?.close();
    await webhook?.close();
    await mail?.close();
  });

  const notificationsOf = async (serviceId: string): Promise<NotificationView[]> =>
    (await engine.api('GET', `/v1/notifications?serviceId=${serviceId}&limit=100`)).body.items;
  const kinds = (items: { kind: string }[]) => items.map((n) => n.kind);

  it('announces one node down past its deadline once per channel: at risk, breach, recovered', async () => {
    const uri = await engine.putMapping('alerts/lonely.csv', csvMapping('lonely-', 1));
    const { id, notificationSecret } = await engine.register('lonely', uri, {
      ttlSeconds: 20,
      refreshBeforeSeconds: 10,
      notifications: { webhookUrl: webhook.url, email: 'oncall@example.com' },
    });
    await eventually('the node acked once', async () => ((await engine.api('GET', `/v1/services/${id}/nodes/lonely-0`)).body?.state === 'fresh' ? true : undefined));

    // The customer's webhook is down for the first two calls; the node goes down for good.
    webhook.failNext = 2;
    engine.fleet.setFaults([nodesDown(['lonely-0'])]);
    await eventually('an at-risk and a breach notification', async () => {
      const items = await notificationsOf(id);
      return kinds(items).includes('breach') ? items : undefined;
    }, 90_000, 500);
    const node = await engine.api('GET', `/v1/services/${id}/nodes/lonely-0`);
    expect(node.body).toMatchObject({ state: 'expired', alert: 'breached', alertSince: expect.any(String) });
    expect((await engine.api('GET', `/v1/services/${id}`)).body.alerts).toEqual({ atRisk: 0, breached: 1 });

    engine.fleet.clearFaults();
    await eventually('a recovered notification', async () => (kinds(await notificationsOf(id)).includes('recovered') ? true : undefined), 60_000, 500);
    expect((await engine.api('GET', `/v1/services/${id}/nodes/lonely-0`)).body).toMatchObject({ state: 'fresh', alert: null, alertSince: null });
    expect((await engine.api('GET', `/v1/services/${id}`)).body.alerts).toEqual({ atRisk: 0, breached: 0 });
    await eventually('every channel told of all three', async () =>
      webhook.accepted(id).length >= 3 && mail.mails.filter((m) => m.subject.endsWith('- lonely')).length >= 3 ? true : undefined,
      60_000,
      500,
    );
    // Ticks and windows pass with the node healthy: nothing more is said about the episode.
    await new Promise((resolve) => setTimeout(resolve, (COALESCE_SECONDS + 2) * 1000));

    const inApp = await notificationsOf(id);
    expect(inApp.map((n) => [n.kind, n.severity, n.data.nodeCount])).toEqual([
      ['at_risk', 'warning', 1],
      ['breach', 'critical', 1],
      ['recovered', 'info', 1],
    ]);
    expect(inApp[1]!.message).toBe("1 node (lonely-0) of service 'lonely' hold expired metadata: delivery did not succeed before the deadline");

    // Each told once; a message retried after the webhook refused it may arrive after a later one.
    const accepted = webhook.accepted(id);
    expect(kinds(accepted.map((c) => c.body)).sort()).toEqual(['at_risk', 'breach', 'recovered']);
    // The two refused calls were retried, with the same Idempotency-Key, and nothing was sent twice once taken.
    const refused = webhook.calls.filter((c) => c.status === 503);
    expect(refused).toHaveLength(2);
    expect(new Set(accepted.map((c) => c.headers['idempotency-key'])).size).toBe(3);
    // Signed with the notification secret over a timestamp and the body (no node holds it).
    for (const call of accepted) {
      expect(verifyWebhook(notificationSecret, call.raw, call.headers['courier-signature'] as string, new Date(), 600)).toMatchObject({ valid: true });
      expect(verifySignature(FLEET_SECRET, call.raw, call.headers['courier-signature'] as string)).toBe(false);
    }

    const subjects = mail.mails.filter((m) => m.subject.endsWith('- lonely')).map((m) => m.subject);
    expect(subjects).toEqual(['[Courier] warning: at risk - lonely', '[Courier] critical: breach - lonely', '[Courier] info: recovered - lonely']);
    expect(mail.mails.every((m) => m.to.includes('oncall@example.com'))).toBe(true);

    // The delivery log, as the customer reads it: every message delivered, the at-risk webhook on its third try.
    const log = (await notificationsOf(id)).flatMap((n) => n.deliveries.map((d) => [n.kind, d.channel, d.status, d.attempts]));
    expect(log).toEqual([
      ['at_risk', 'webhook', 'delivered', 3],
      ['at_risk', 'email', 'delivered', 1],
      ['breach', 'webhook', 'delivered', 1],
      ['breach', 'email', 'delivered', 1],
      ['recovered', 'webhook', 'delivered', 1],
      ['recovered', 'email', 'delivered', 1],
    ]);
  });

  it('tells a storm of failing nodes as one summary per window and channel', async () => {
    const size = 300;
    const uri = await engine.putMapping('alerts/storm.csv', csvMapping('storm-', size));
    engine.fleet.setFaults([nodesDown(Array.from({ length: size }, (_, i) => `storm-${i}`))]);
    const started = Date.now();
    const id = await engine.registerService('storm', uri, { notifications: { webhookUrl: webhook.url } });

    const atRisk = await eventually('every node counted in at-risk summaries', async () => {
      const items = (await notificationsOf(id)).filter((n) => n.kind === 'at_risk');
      return items.reduce((sum, n) => sum + n.data.nodeCount, 0) === size ? items : undefined;
    }, 60_000, 500);
    const windows = Math.ceil((Date.now() - started) / (COALESCE_SECONDS * 1000)) + 1;
    console.log(`[measure] ${size} nodes failing: ${atRisk.length} at-risk notifications (counts ${atRisk.map((n) => n.data.nodeCount).join(', ')})`);
    expect(atRisk.length).toBeLessThanOrEqual(windows);
    expect(atRisk.length).toBeLessThan(10);
    expect(atRisk[0]!.message).toMatch(/^\d+ nodes \(storm-\d+(, storm-\d+){9} and \d+ more\) of service 'storm' at risk/);
    await eventually('one webhook call per summary', async () =>
      webhook.accepted(id).filter((c) => c.body.kind === 'at_risk').length === atRisk.length ? true : undefined,
    );
    engine.fleet.clearFaults();
  });
});
