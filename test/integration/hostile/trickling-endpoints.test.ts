/**
 * Attack: a customer's endpoint answers one byte every 200 ms, forever, to hold Courier's
 * connections (and delivery slots) for as long as it likes. Idle timers never fire on it; every
 * call to a customer URL has an overall deadline instead, so the attempt fails as a timeout and the
 * connection is let go well within a bound, whoever trickles: a node, a metadata source, a webhook.
 */
import { recordServiceAlert } from '../../../src/activities/alert-events';
import { csvMapping, Engine } from '../../support/engine';
import { eventually } from '../../support/eventually';
import { HostileServer, type HeldConnection } from '../../support/hostile-servers';

const TIMEOUT_MS = 1000;
const NOTIFY_TIMEOUT_SECONDS = 2;
/** Far above the deadlines and far below "for minutes": a bound, not a timing goal. */
const HELD_AT_MOST_MS = 10_000;

describe('hostile: endpoints that trickle a byte at a time', () => {
  let engine: Engine;
  let trickle: HostileServer;
  let trickleHeaders: HostileServer;

  beforeAll(async () => {
    trickle = await HostileServer.start('trickle', 200);
    // A webhook's body is never read, only its status: its headers are what it trickles.
    trickleHeaders = await HostileServer.trickleHeaders(200);
    engine = await Engine.start('trickle', {
      workerEnv: { COURIER_NOTIFY_EVERY_SECONDS: '1', COURIER_NOTIFY_COALESCE_SECONDS: '0', COURIER_NOTIFY_TIMEOUT_SECONDS: String(NOTIFY_TIMEOUT_SECONDS) },
    });
  });
  afterAll(async () => {
    await engine?.close();
    await trickle?.close();
    await trickleHeaders?.close();
  });

  const node = async (serviceId: string, nodeId: string) => (await engine.api('GET', `/v1/services/${serviceId}/nodes/${nodeId}`)).body;
  /** Waits for one of the server's connections on `path` to be let go, and says how long it was held. */
  const heldFor = (path: string, server = trickle) =>
    eventually(`a connection to ${path} let go`, async () => {
      const done = server.connections.find((c: HeldConnection) => c.path.startsWith(path) && c.closedAt !== null);
      return done ? done.closedAt! - done.openedAt : undefined;
    }, 30_000);

  it('a node that trickles its ack fails as a timeout within the bound', async () => {
    const uri = await engine.putMapping('hostile/trickle-node.csv', csvMapping('slow-', 1));
    const id = await engine.registerService('trickling-node', uri, {
      ttlSeconds: 600,
      refreshBeforeSeconds: 200,
      delivery: { endpoint: `${trickle.url}/nodes/{node}/metadata`, timeoutMs: TIMEOUT_MS },
    });
    const failed = await eventually('slow-0 failing', async () => {
      const n = await node(id, 'slow-0');
      return n.state === 'failing' ? n : undefined;
    }, 30_000);
    expect(failed.lastError).toBe(`no answer within ${TIMEOUT_MS} ms`);
    const held = await heldFor('/nodes/slow-0');
    console.log(`[measure] trickling node held for ${held} ms (deadline ${TIMEOUT_MS} ms)`);
    expect(held).toBeLessThan(HELD_AT_MOST_MS);
  });

  it('a metadata source that trickles its body fails every node of the fetch as a timeout', async () => {
    const uri = await engine.putMapping('hostile/trickle-source.csv', csvMapping('src-', 1));
    const id = await engine.registerService('trickling-source', uri, {
      ttlSeconds: 600,
      refreshBeforeSeconds: 200,
      metadata: { url: `${trickle.url}/source?service={service}` },
      delivery: { endpoint: engine.fleet.endpointTemplate, timeoutMs: TIMEOUT_MS },
    });
    const failed = await eventually('src-0 failing', async () => {
      const n = await node(id, 'src-0');
      return n.state === 'failing' ? n : undefined;
    }, 30_000);
    expect(failed.lastError).toBe(`metadata source did not answer within ${TIMEOUT_MS} ms`);
    const held = await heldFor('/source');
    console.log(`[measure] trickling metadata source held for ${held} ms (deadline ${TIMEOUT_MS} ms)`);
    expect(held).toBeLessThan(HELD_AT_MOST_MS);
  });

  it('a webhook that trickles its headers fails the send as a timeout, to be retried', async () => {
    const uri = await engine.putMapping('hostile/trickle-hook.csv', csvMapping('hook-', 1));
    const id = await engine.registerService('trickling-hook', uri, { ttlSeconds: 600, refreshBeforeSeconds: 200, notifications: { webhookUrl: `${trickleHeaders.url}/hook` } });
    await recordServiceAlert(engine.db.pool, id, 'source_unavailable', 'told to a trickling webhook');
    const log = await eventually('the webhook send failed', async () => {
      const items = (await engine.api('GET', `/v1/notifications?serviceId=${id}`)).body.items as { deliveries: { status: string; attempts: number; lastError: string | null }[] }[];
      const delivery = items[0]?.deliveries[0];
      return delivery && delivery.attempts > 0 ? delivery : undefined;
    }, 30_000);
    expect(log).toMatchObject({ status: 'pending', lastError: `webhook did not answer within ${NOTIFY_TIMEOUT_SECONDS * 1000} ms` });
    const held = await heldFor('/hook', trickleHeaders);
    console.log(`[measure] trickling webhook held for ${held} ms (deadline ${NOTIFY_TIMEOUT_SECONDS * 1000} ms)`);
    expect(held).toBeLessThan(HELD_AT_MOST_MS);
  });
});
