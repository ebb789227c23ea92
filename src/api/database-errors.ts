/**
 * Errors that mean PostgreSQL could not be reached or dropped the connection (a restart, a
 * failover), as pg and Prisma's pg adapter raise them: the caller should retry, it made no mistake.
 */

/** Node's socket errors when the server is gone or not accepting. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
/** SQLSTATE class 08 (connection exception) and 57P01-57P03 (the server shutting down or starting). */
const SQLSTATE = /^(08...|57P0[123])$/;
/** Prisma: cannot reach the server, server closed the connection, timed out waiting for a connection. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
/** pg's own messages for a connection lost or never made; they carry no code. */
const PG_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed|terminating connection|unexpected postmaster exit|the database system is (starting up|shutting down|in recovery mode)/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || SQLSTATE.test(code) || PRISMA_CODES.has(code))) return true;
    if (PG_MESSAGES.test(e.message)) return true;
    // Prisma's pg adapter keeps the driver's error as a plain object: the DriverAdapterError's
    // `cause`, or `meta.driverAdapterError.cause` of the client error wrapping it.
    type AdapterCause = { originalCode?: unknown; kind?: unknown };
    const wrapped = e as { cause?: unknown; meta?: { driverAdapterError?: { cause?: AdapterCause } } };
    const adapterCause = wrapped.meta?.driverAdapterError?.cause ?? (wrapped.cause instanceof Error ? undefined : (wrapped.cause as AdapterCause | undefined));
    if (adapterCause && (adapterCause.kind === 'DatabaseNotReachable' || (typeof adapterCause.originalCode === 'string' && SQLSTATE.test(adapterCause.originalCode)))) return true;
  }
  return false;
}
