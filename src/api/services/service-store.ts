import type { Service } from '@prisma/client';
import type { Database } from '../../db';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A string that cannot be a row id names nothing: callers answer 404, not 400. */
export const isUuid = (value: string): boolean => UUID.test(value);

/** One of the customer's visible services; deleting ones are already gone as far as callers can tell. */
export async function findOwnedService(db: Database, customerId: string, id: string): Promise<Service | null> {
  if (!isUuid(id)) return null;
  return db.prisma.service.findFirst({ where: { id, customerId, status: { in: ['provisioning', 'active'] } } });
}
