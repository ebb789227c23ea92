import { createHash, timingSafeEqual } from 'node:crypto';
import type { Database } from '../../db';
import { hashKey, isAdminKey } from '../services/api-keys';
import { problems } from './problem';
import type { Access, Caller } from './caller';

/** The caller id of COURIER_ADMIN_KEY, which has no row. */
const BOOTSTRAP_ADMIN = 'bootstrap';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The API key an Authorization header carries, if it has the Bearer form. */
export const bearerToken = (header: string | undefined): string | undefined => (header ? BEARER.exec(header)?.[1] : undefined);

async function identify(header: string | undefined, adminKey: string | undefined, db: Database): Promise<Caller> {
  const key = bearerToken(header);
  if (!key) throw problems.unauthorized('Send an API key as "Authorization: Bearer <key>".');
  if (adminKey !== undefined && isAdminKey(key, adminKey)) return { scope: 'admin', keyId: BOOTSTRAP_ADMIN };
  const row = await db.prisma.apiKey.findUnique({ where: { hash: hashKey(key) } });
  if (!row || row.revokedAt !== null) throw problems.unauthorized('The API key is not valid.');
  if (row.scope === 'admin') return { scope: 'admin', keyId: row.id };
  if (!row.customerId) throw problems.unauthorized('The API key is not valid.');
  return { scope: 'customer', customerId: row.customerId, keyId: row.id };
}

/** The caller behind the Authorization header, if it may use a route of this access level. */
export async function authenticate(
  header: string | undefined,
  access: Extract<Access, 'admin' | 'customer'>,
  adminKey: string | undefined,
  db: Database,
): Promise<Caller> {
  const caller = await identify(header, adminKey, db);
  if (caller.scope !== access) {
    throw problems.forbidden(
      access === 'admin' ? 'This route needs the admin key.' : 'This route needs a customer API key; the admin key owns no services.',
    );
  }
  return caller;
}

/** The bucket-events token, compared in constant time; without a configured token the route is closed. */
export function authenticateBucketEvents(header: string | undefined, token: string | undefined): void {
  if (token === undefined) throw problems.notFound('Bucket events are not configured on this deployment (COURIER_BUCKET_EVENTS_TOKEN).');
  const sent = header ? BEARER.exec(header)?.[1] : undefined;
  const digest = (v: string) => createHash('sha256').update(v).digest();
  if (!sent || !timingSafeEqual(digest(sent), digest(token))) {
    throw problems.unauthorized('Send the bucket-events token as "Authorization: Bearer <token>".');
  }
}
