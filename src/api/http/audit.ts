/**
 * The audit log: one row per mutation attempt by an authenticated caller — refused ones too,
 * since a key probing other tenants' ids is exactly what an admin wants to see. Values are not
 * recorded, only the names of the fields sent: bodies carry signing secrets and tokenized URLs.
 */
import type { Logger } from 'pino';
import type { Database } from '../../db';
import type { Caller, Method } from './route';

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
