/**
 * Contract 1 against a real PostgreSQL and Temporal, with no worker (test/support/api-suite.ts).
 * The notifications list: order, its tailing cursor, filters and the customer's scope.
 */
import type { Reply } from '../../support/api';
import { useApiSuite, db, api, ADMIN, fieldPaths, newCustomer, newService } from '../../support/api-suite';

useApiSuite('api-notifications');

describe('notifications', () => {
  const base = Date.parse('2030-01-01T00:00:00.000Z');

  async function notify(customerId: string, serviceId: string | null, message: string, atMs: number): Promise<string> {
    const row = await db.prisma.notification.create({
      data: { customerId, serviceId, kind: 'breach', severity: 'critical', message, data: { nodes: 1 }, createdAt: new Date(base + atMs) },
    });
    return row.id;
  }

  const messages = (reply: Reply): string[] => reply.body.items.map((n: { message: string }) => n.message);

  test('the list is oldest first, and its cursor, set on the last page too, finds notifications written later', async () => {
    const { id: customerId, key } = await newCustomer();
    await notify(customerId, null, 'second', 1);
    await notify(customerId, null, 'first', 0);
    // Same millisecond: the id orders them, and paging must neither skip nor repeat one.
    const tied = [await notify(customerId, null, 'tie-a', 2), await notify(customerId, null, 'tie-b', 2)].sort();

    const first = await api.call('GET', '/v1/notifications?limit=3', { key });
    expect(first.status).toBe(200);
    expect(messages(first).slice(0, 2)).toEqual(['first', 'second']);
    expect(first.body.items[0]).toEqual({
      id: expect.any(String),
      serviceId: null,
      kind: 'breach',
      severity: 'critical',
      message: 'first',
      data: { nodes: 1 },
      createdAt: '2030-01-01T00:00:00.000Z',
      deliveries: [],
    });
    const last = await api.call('GET', `/v1/notifications?limit=3&cursor=${first.body.nextCursor}`, { key });
    expect([...first.body.items, ...last.body.items].slice(2).map((n: { id: string }) => n.id)).toEqual(tied);
    expect(last.body.nextCursor).toEqual(expect.any(String));

    const empty = await api.call('GET', `/v1/notifications?cursor=${last.body.nextCursor}`, { key });
    expect(empty.body).toEqual({ items: [], nextCursor: last.body.nextCursor });

    await notify(customerId, null, 'later', 3);
    const tailed = await api.call('GET', `/v1/notifications?cursor=${empty.body.nextCursor}`, { key });
    expect(messages(tailed)).toEqual(['later']);
  });

  test('an empty list without a cursor has no cursor; serviceId filters', async () => {
    const { id: customerId, key } = await newCustomer();
    expect((await api.call('GET', '/v1/notifications', { key })).body).toEqual({ items: [], nextCursor: null });
    const one = await newService(key, 'noisy');
    const other = await newService(key, 'quiet');
    await notify(customerId, one, 'about noisy', 0);
    await notify(customerId, other, 'about quiet', 1);
    await notify(customerId, null, 'about the account', 2);
    const filtered = await api.call('GET', `/v1/notifications?serviceId=${one}`, { key });
    expect(messages(filtered)).toEqual(['about noisy']);
    expect(filtered.body.items[0].serviceId).toBe(one);
  });

  test("a customer never sees another customer's notifications, even naming its service", async () => {
    const a = await newCustomer('a');
    const b = await newCustomer('b');
    const serviceOfA = await newService(a.key, 'secretive');
    await notify(a.id, serviceOfA, 'for a only', 0);
    await notify(b.id, null, 'for b', 1);
    expect(messages(await api.call('GET', '/v1/notifications', { key: b.key }))).toEqual(['for b']);
    expect((await api.call('GET', `/v1/notifications?serviceId=${serviceOfA}`, { key: b.key })).body).toEqual({ items: [], nextCursor: null });
    const cursorOfA = (await api.call('GET', '/v1/notifications', { key: a.key })).body.nextCursor;
    expect(messages(await api.call('GET', `/v1/notifications?cursor=${cursorOfA}`, { key: b.key }))).toEqual(['for b']);
  });

  test('a bad serviceId or cursor is named in errors; the admin key is refused', async () => {
    const { key } = await newCustomer();
    const bad = await api.call('GET', '/v1/notifications?serviceId=nope&cursor=nope', { key });
    expect(bad.status).toBe(400);
    expect(fieldPaths(bad)).toEqual(['serviceId']);
    expect(fieldPaths(await api.call('GET', '/v1/notifications?cursor=nope', { key }))).toEqual(['cursor']);
    expect((await api.call('GET', '/v1/notifications', { key: ADMIN() })).status).toBe(403);
  });
});
