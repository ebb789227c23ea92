/**
 * Attack: customer A's webhook accepts connections and never answers, to stall the notifier. Sends
 * run side by side under a deadline, a tick does not wait for them, and one service holds at most
 * its share of the send slots, so customer B's notification goes out while A's calls still hang.
 */
import { recordServiceAlert } from '../../../src/activities/alert-events';
import { csvMapping, Engine } from '../../support/engine';
import { eventually } from '../../support/eventually';
import { HostileServer } from '../../support/hostile-servers';
import { WebhookReceiver } from '../../support/receivers';

/** Longer than the whole test: A's calls are still open when B's notification arrives. */
const NOTIFY_TIMEOUT_SECONDS = 120;
const PER_SERVICE = 2;

describe('hostile: a hanging webhook of one customer', () => {
  let engine: Engine;
  let hanging: HostileServer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    hanging = await HostileServer.start('hang');
    receiver = await WebhookReceiver.start();
    engine = await Engine.start('isolation', {
      workerEnv: {
        COURIER_NOTIFY_EVERY_SECONDS: '1',
        COURIER_NOTIFY_COALESCE_SECONDS: '0',
        COURIER_NOTIFY_TIMEOUT_SECONDS: String(NOTIFY_TIMEOUT_SECONDS),
        COURIER_NOTIFY_PER_SERVICE: String(PER_SERVICE),
      },
    });
  });
  afterAll(async () => {
    // First, or the worker's shutdown waits out the sends still hanging (up to their deadline).
    await hanging?.close();
    await engine?.close();
    await receiver?.close();
  });

  it("does not delay another customer's notification, and holds no more than its share of the senders", async () => {
    const uri = await engine.putMapping('hostile/isolation.csv', csvMapping('iso-', 1));
    const quiet = { ttlSeconds: 600, refreshBeforeSeconds: 200 };
    const a = await engine.registerService('hangs', uri, { ...quiet, notifications: { webhookUrl: `${hanging.url}/hook` } });
    const customerB = await engine.createCustomer('isolation-b');
    const b = await engine.api('POST', '/v1/services', {
      name: 'waits',
      mapping: { uri },
      metadata: { url: `${engine.source.url}/v1/metadata?service={service}` },
      delivery: { endpoint: engine.fleet.endpointTemplate },
      notifications: { webhookUrl: receiver.url },
      ...quiet,
    }, customerB);
    expect(b.status).toBe(201);

    // A has more to say than its share: three notifications, one per kind.
    for (const kind of ['mapping_failed', 'mapping_held', 'source_unavailable'] as const) await recordServiceAlert(engine.db.pool, a, kind, `A: ${kind}`);
    await eventually("A's webhook calls hanging", async () => (hanging.open().length >= PER_SERVICE ? true : undefined), 30_000);

    await recordServiceAlert(engine.db.pool, b.body.id, 'source_unavailable', 'B: told promptly');
    await eventually("B's notification delivered", async () => (receiver.accepted(b.body.id).length > 0 ? true : undefined), 30_000);
    // Still hanging when B was told: B did not wait for them to time out.
    expect(hanging.open().length).toBeGreaterThanOrEqual(PER_SERVICE);
    expect(hanging.connections.length).toBe(PER_SERVICE);
  });
});
