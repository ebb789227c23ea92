/** Customers for tests that run the API in-process (test/support/api.ts) and act as admin. */
import type { Config } from '../../src/config';
import type { Api } from './api';

export const MAPPING_BUCKET = 'courier-mappings';

export function adminKeyOf(config: Config): string {
  if (!config.COURIER_ADMIN_KEY) throw new Error('the test stack sets COURIER_ADMIN_KEY');
  return config.COURIER_ADMIN_KEY;
}

export interface Tenant {
  id: string;
  key: string;
}

/** A customer with one key, granted `prefix` of the test bucket (null: no grant at all). */
export async function newTenant(api: Api, adminKey: string, name: string, prefix: string | null = `${name}/`): Promise<Tenant> {
  const customer = await api.call('POST', '/v1/admin/customers', { key: adminKey, body: { name } });
  const key = await api.call('POST', `/v1/admin/customers/${customer.body.id}/keys`, { key: adminKey });
  if (prefix !== null) {
    const grant = await api.call('POST', `/v1/admin/customers/${customer.body.id}/mapping-grants`, { key: adminKey, body: { bucket: MAPPING_BUCKET, prefix } });
    if (grant.status !== 201) throw new Error(`granting ${name} answered ${grant.status}: ${JSON.stringify(grant.body)}`);
  }
  return { id: customer.body.id, key: key.body.key };
}

/** A registration valid in every field, naming `mappingKey` in the test bucket. */
export const registration = (name: string, mappingKey: string, over: Record<string, unknown> = {}) => ({
  name,
  mapping: { uri: `s3://${MAPPING_BUCKET}/${mappingKey}` },
  metadata: { url: 'http://127.0.0.1:9/metadata?service={service}&node={node}' },
  ttlSeconds: 3600,
  delivery: { endpoint: 'http://{node}:8080/metadata' },
  ...over,
});
