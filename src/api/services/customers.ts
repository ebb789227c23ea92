import type { AppDeps } from '../deps';
import { problems } from '../http/problem';
import { isUuid } from './service-store';

export async function findCustomer(deps: AppDeps, id: string) {
  const customer = isUuid(id) ? await deps.db.prisma.customer.findUnique({ where: { id } }) : null;
  if (!customer) throw problems.notFound('No such customer.');
  return customer;
}
