/**
 * Duties done once per deployment: however many workers' fleet workflows tick at once, one of
 * them gets a duty's turn per cadence, and the turn's result is there for every worker to read.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/db';
import { claimTurn, readTurnResult, saveTurnResult } from '../../src/store/fleet-turns';

const db = connectDatabase(loadConfig().DATABASE_URL, { maxConnections: 12 });

afterAll(async () => {
  await db.close();
});

it('gives a turn to exactly one of many claimants, and none again before the cadence has passed', async () => {
  const duty = `test-duty-${randomUUID()}`;
  const claims = await Promise.all(Array.from({ length: 10 }, () => claimTurn(db.pool, duty, 60_000)));
  expect(claims.filter(Boolean)).toHaveLength(1);
  expect(await claimTurn(db.pool, duty, 60_000)).toBe(false);
  // Once the cadence has passed (here: moved into the past), the next claimant gets a turn.
  await db.pool.query(`UPDATE fleet_duties SET ran_at = now() - interval '2 minutes' WHERE name = $1`, [duty]);
  expect(await claimTurn(db.pool, duty, 60_000)).toBe(true);
  await db.pool.query(`DELETE FROM fleet_duties WHERE name = $1`, [duty]);
});

it("keeps a turn's result for every worker to read", async () => {
  const duty = `test-duty-${randomUUID()}`;
  expect(await readTurnResult(db.pool, duty)).toBeNull();
  expect(await claimTurn(db.pool, duty, 1_000)).toBe(true);
  await saveTurnResult(db.pool, duty, { coverage: 0.5 });
  expect(await readTurnResult(db.pool, duty)).toMatchObject({ result: { coverage: 0.5 }, ranAt: expect.any(Date) });
  await db.pool.query(`DELETE FROM fleet_duties WHERE name = $1`, [duty]);
});
