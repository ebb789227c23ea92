/**
 * The connection pool against real PostgreSQL: a quiet spell closes the connections above
 * keepConnections, and the kept ones are the same backends, so the next requests open none.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config';
import { connectDatabase } from '../../src/db';

/** pg's idle timeout, which closes a connection above the kept ones. */
const IDLE_CLOSE_MS = 10_000;

test('a quiet spell closes the connections above keepConnections; the kept ones stay open', async () => {
  const db = connectDatabase(loadConfig().DATABASE_URL, { maxConnections: 5, keepConnections: 2 });
  try {
    const backendPid = async () => {
      const { rows } = await db.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.2)');
      return rows[0]!.pid;
    };
    const opened = new Set(await Promise.all(Array.from({ length: 5 }, backendPid)));
    expect(opened.size).toBe(5);

    await sleep(IDLE_CLOSE_MS + 1_500);
    expect(db.pool.totalCount).toBe(2);
    const reused = await Promise.all(Array.from({ length: 2 }, backendPid));
    expect(reused.filter((pid) => opened.has(pid))).toHaveLength(2);
    expect(db.pool.totalCount).toBe(2);
  } finally {
    await db.close();
  }
}, 30_000);
