import { Pool } from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@prisma/client';

/**
 * One connection pool per process, shared by Prisma (registration, status, API lists) and by the
 * hot paths that write thousands of node rows in one statement through plain SQL.
 */
export interface Database {
  pool: Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  maxConnections?: number;
  /**
   * Connections kept open however long they sit idle (the rest close after 10 s idle). Opening one
   * costs a TCP handshake, SCRAM's key derivation at both ends and a PostgreSQL backend started:
   * under load, tens of milliseconds that the first requests after a quiet spell would wait
   * (docs/performance.md §1). Kept once opened; none is opened ahead of need.
   */
  keepConnections?: number;
  /**
   * A pooled connection broke (the server restarted, failed over, or the network dropped): told
   * once per outage. The pool has already discarded it and opens a new one on the next query;
   * without a listener the pool's 'error' event would end the process.
   */
  onConnectionLost?: (err: Error) => void;
}

/** Fails a connection attempt to an unreachable server within seconds instead of the OS's minutes. */
const CONNECT_TIMEOUT_MS = 5000;

export function connectDatabase(connectionString: string, options: DatabaseOptions = {}): Database {
  const pool = new Pool({
    connectionString,
    max: options.maxConnections ?? 10,
    min: options.keepConnections ?? 0,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  pool.on('error', oncePerOutage(options.onConnectionLost ?? ((err) => console.error(`database connection lost (${err.message}); reconnecting on the next query`))));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    pool,
    prisma,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/** One report per outage, not one per pooled connection: they all break at once. */
function oncePerOutage(report: (err: Error) => void, quietMs = 10_000): (err: Error) => void {
  let lastAt = 0;
  return (err) => {
    if (Date.now() - lastAt < quietMs) return;
    lastAt = Date.now();
    report(err);
  };
}
