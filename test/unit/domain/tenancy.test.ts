import { loadConfig, quotaDefaults } from '../../../src/config';
import { holdReason } from '../../../src/domain/mapping';
import { grantCovers } from '../../../src/domain/tenancy/mapping-grants';
import { effectiveQuotas, mergeOverrides } from '../../../src/domain/tenancy/quotas';
import { guardInput, MAX_JSON_DEPTH } from '../../../src/api/http/input-guard';
import { Problem } from '../../../src/api/http/problem';

describe('mapping grants', () => {
  const grants = [
    { bucket: 'shared', prefix: 'acme/' },
    { bucket: 'acme-own', prefix: '' },
  ];
  test('cover keys under a granted prefix of the same bucket only', () => {
    expect(grantCovers(grants, { bucket: 'shared', key: 'acme/nodes.csv' })).toBe(true);
    expect(grantCovers(grants, { bucket: 'acme-own', key: 'anything/at/all' })).toBe(true);
    expect(grantCovers(grants, { bucket: 'shared', key: 'acme-evil/nodes.csv' })).toBe(false);
    expect(grantCovers(grants, { bucket: 'shared', key: 'other/nodes.csv' })).toBe(false);
    expect(grantCovers(grants, { bucket: 'other', key: 'acme/nodes.csv' })).toBe(false);
    expect(grantCovers([], { bucket: 'shared', key: 'acme/nodes.csv' })).toBe(false);
  });
});

describe('quotas', () => {
  const defaults = quotaDefaults(loadConfig({ COURIER_QUOTA_SERVICES: '5' }));
  test('overrides lay over the defaults; unreadable stored overrides fall back to them', () => {
    expect(effectiveQuotas(defaults, { nodes: 10 })).toEqual({ ...defaults, nodes: 10 });
    expect(effectiveQuotas(defaults, null).services).toBe(5);
    expect(effectiveQuotas(defaults, { nodes: 'many' })).toEqual(defaults);
  });
  test('a PATCH sets given quotas and removes nulled ones', () => {
    expect(mergeOverrides({ nodes: 10, services: 2 }, { nodes: null, reloadsPerMinute: 1 })).toEqual({ services: 2, reloadsPerMinute: 1 });
  });
  test('a load past the node quota is held, even when forced', () => {
    const base = { nodeCount: 4, badRows: 0, previousNodeCount: 0, minKeepFraction: 0.5, force: true };
    expect(holdReason({ ...base, nodeQuota: { limit: 5, elsewhere: 1 } })).toBeNull();
    expect(holdReason({ ...base, nodeQuota: { limit: 5, elsewhere: 2 } })).toBe("lists 4 nodes; with the 2 of this customer's other services that exceeds its quota of 5 nodes");
  });
});

describe('the admin key setting', () => {
  const issue = (key: string) => {
    try {
      loadConfig({ COURIER_ADMIN_KEY: key });
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  };
  test('is optional in the schema (the API process requires it) and must look like 32 random bytes', () => {
    expect(loadConfig({}).COURIER_ADMIN_KEY).toBeUndefined();
    expect(issue('courier-dev-admin-key')).toMatch(/at least 43 characters/);
    expect(issue('x'.repeat(60))).toMatch(/too few distinct characters/);
    expect(issue(`${'Ab1-'.repeat(10)}xyz with space`)).toMatch(/printable ASCII without spaces/);
    expect(issue('q0Vt7Lp2m9XzR4bN8cWk1sJd6fHy3gUa5eTi0oPl2rM=')).toBeNull();
  });
});

describe('the input guard', () => {
  const errors = (parts: Parameters<typeof guardInput>[0]) => {
    try {
      guardInput(parts);
      return [];
    } catch (err) {
      return (err as Problem).errors ?? [];
    }
  };
  test('names the field holding a NUL character, in values and in field names', () => {
    expect(errors({ body: { mapping: { uri: 's3://b/k\0' } } })).toEqual([{ in: 'body', path: 'mapping.uri', message: 'must not contain a NUL character' }]);
    expect(errors({ body: { nodeIds: ['a', 'b\0'] } })).toEqual([{ in: 'body', path: 'nodeIds[1]', message: 'must not contain a NUL character' }]);
    expect(errors({ query: { 'cur\0sor': 'x' } })).toEqual([{ in: 'query', path: '', message: 'has a field name with a NUL character' }]);
    expect(errors({ body: { name: 'fine', ttlSeconds: 60 } })).toEqual([]);
  });
  test('refuses nesting deeper than the limit without overflowing on very deep input', () => {
    const nest = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
    expect(errors({ body: nest(MAX_JSON_DEPTH) })).toEqual([]);
    expect(errors({ body: nest(MAX_JSON_DEPTH + 1) })[0]?.message).toMatch(/nests deeper than 16 levels/);
    expect(errors({ body: nest(200_000) })).toHaveLength(1);
  });
});
