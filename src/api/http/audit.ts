/**
 * The audit log: one row per mutation attempt by an authenticated caller — refused ones too,
 * since a key probing other tenants' ids is exactly what an admin wants to see. Values are not
 * recorded, only the names of the fields sent: bodies carry signing secrets and tokenized URLs.
 */
import type { Logger } from 'pino';
import type { Database } from '../../db';
import type { Caller } from './caller';
import type { Method } from './route';

export interface AuditEntry {
  caller: Caller;
  method: Method;
  route: string;
  params: Record<string, string>;
  body: unknown;
  status: number;
}

const fieldNames = (body: unknown): string[] =>
  body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).slice(0, 50) : [];

/** The actor of a failed authentication: no key was recognised. */
const UNAUTHENTICATED = 'unauthenticated';

/**
 * A request whose key was refused, with where it came from: the log shows who probes for keys.
 * The key itself is never recorded, not even its prefix.
 */
export async function recordAuthFailure(db: Database, logger: Logger, entry: { source: string; method: string; route: string; status: number }): Promise<void> {
  try {
    await db.prisma.auditEvent.create({
      data: {
        actorKeyId: UNAUTHENTICATED,
        actorScope: null,
        customerId: null,
        method: entry.method.toUpperCase(),
        route: entry.route,
        target: { source: entry.source },
        fields: [],
        status: entry.status,
      },
    });
  } catch (err) {
    logger.error({ err, route: entry.route, source: entry.source }, 'audit event of a failed authentication not recorded');
  }
}

/**
 * Written before the response goes out, so a client that saw its change succeed finds it in the
 * log. A failed write is logged as an error, never swallowed, but does not undo the mutation.
 */
export async function recordAudit(db: Database, logger: Logger, entry: AuditEntry): Promise<void> {
  const { caller } = entry;
  try {
    await db.prisma.auditEvent.create({
      data: {
        actorKeyId: caller.keyId,
        actorScope: caller.scope,
        customerId: caller.scope === 'customer' ? caller.customerId : null,
        method: entry.method.toUpperCase(),
        route: entry.route,
        target: entry.params,
        fields: fieldNames(entry.body),
        status: entry.status,
      },
    });
  } catch (err) {
    logger.error({ err, route: entry.route, actorKeyId: caller.keyId, status: entry.status }, 'audit event not recorded');
  }
}
