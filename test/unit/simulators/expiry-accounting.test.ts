import { startNodeFleet, type NodeFleet } from '../../../src/simulators/node-fleet';
import { bodyFor, deliver, SECRET } from './deliver';

/** The fleet's clock is injected, so expired time is exact and nothing sleeps. */
describe('node fleet expired-time accounting', () => {
  const T0 = Date.parse('2030-01-01T00:00:00Z');
  let now = T0;
  let fleet: NodeFleet;
  const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

  beforeAll(async () => {
    fleet = await startNodeFleet({ secret: SECRET, now: () => now });
  });
  afterAll(() => fleet.close());
  beforeEach(() => {
    now = T0;
    fleet.reset();
  });

  it('adds the gap when a copy arrives after the previous one expired', async () => {
    await deliver(fleet.url, bodyFor('n', { version: 'v1', expiresAt: at(1_000) }));
    now = T0 + 3_000;
    await deliver(fleet.url, bodyFor('n', { version: 'v2', expiresAt: at(10_000) }));

    expect(fleet.node('n')).toMatchObject({ version: 'v2', expiredMs: 2_000, expired: false, lateArrivals: 1, maxLateMs: 2_000, deliveries: 2 });
    expect(fleet.stats()).toMatchObject({ expiredNodeSeconds: 2, lateArrivals: 1, holdingValid: 1, holdingExpired: 0 });
  });

  it('adds nothing when a copy arrives in time', async () => {
    await deliver(fleet.url, bodyFor('n', { expiresAt: at(5_000) }));
    now = T0 + 4_000;
    await deliver(fleet.url, bodyFor('n', { expiresAt: at(9_000) }));

    expect(fleet.node('n')).toMatchObject({ expiredMs: 0, lateArrivals: 0, firstDeliveredAt: at(0), deliveredAt: at(4_000) });
  });

  it('counts the ongoing expiry of the current copy when read', async () => {
    await deliver(fleet.url, bodyFor('n', { expiresAt: at(1_000) }));
    now = T0 + 1_500;
    expect(fleet.node('n')).toMatchObject({ expired: true, expiredMs: 500 });
    now = T0 + 4_000;
    expect(fleet.node('n')).toMatchObject({ expired: true, expiredMs: 3_000, lateArrivals: 0 });
    expect(fleet.stats()).toMatchObject({ holdingValid: 0, holdingExpired: 1, expiredNodeSeconds: 3 });
  });

  it('sums past and ongoing expiry across nodes', async () => {
    await deliver(fleet.url, bodyFor('a', { expiresAt: at(-2_000) })); // arrived already expired
    await deliver(fleet.url, bodyFor('b', { expiresAt: at(1_000) }));
    now = T0 + 5_000;
    await deliver(fleet.url, bodyFor('b', { expiresAt: at(60_000) }));

    // a: expired 7 s and counting; b: 4 s closed, now valid.
    expect(fleet.stats()).toMatchObject({ holdingValid: 1, holdingExpired: 1, expiredNodeSeconds: 11 });
  });
});
