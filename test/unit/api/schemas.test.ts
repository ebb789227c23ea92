import { fieldErrors } from '../../../src/api/http/validation';
import { CreateServiceSchema, RegistrationSchema, UpdateServiceSchema } from '../../../src/api/schemas/services';

const valid = {
  name: 'payments-api',
  mapping: { uri: 's3://bucket/key/nodes.csv' },
  metadata: { url: 'http://meta.internal/v1/metadata?service={service}&node={node}' },
  ttlSeconds: 3600,
  delivery: { endpoint: 'http://{node}:8080/metadata' },
};

const errorsOf = (value: unknown) => {
  const r = CreateServiceSchema.safeParse(value);
  return r.success ? [] : fieldErrors('body', r.error).map((e) => `${e.path}: ${e.message}`);
};

describe('service registration schema', () => {
  test('fills the documented defaults', () => {
    const parsed = CreateServiceSchema.parse(valid);
    expect(parsed.mapping.format).toBe('auto');
    expect(parsed.delivery.timeoutMs).toBe(5000);
    expect(parsed.refreshBeforeSeconds).toBeUndefined();
  });

  test.each([
    ['payments-api', true],
    ['a', true],
    ['0-x', true],
    ['-x', false],
    ['Payments', false],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
  ])('name %s valid: %s', (name, ok) => {
    expect(errorsOf({ ...valid, name }).length === 0).toBe(ok);
  });

  test.each([
    ['s3://my-bucket/a/b.csv', true],
    ['s3://my.bucket/x', true],
    ['s3://bucket/', false],
    ['s3://B/key', false],
    ['https://bucket/key', false],
  ])('mapping uri %s valid: %s', (uri, ok) => {
    expect(errorsOf({ ...valid, mapping: { uri } }).length === 0).toBe(ok);
  });

  test.each([
    ['http://{node}:8080/metadata', true],
    ['https://hooks.example.com/{service}/{node}', true],
    ['http://nodes.internal/metadata', true],
    ['ftp://{node}/metadata', false],
    ['{node}/metadata', false],
    ['http://{host}/metadata', false],
  ])('delivery endpoint %s valid: %s', (endpoint, ok) => {
    expect(errorsOf({ ...valid, delivery: { endpoint } }).length === 0).toBe(ok);
  });

  test('ttl bounds and the refresh lead are checked together', () => {
    expect(errorsOf({ ...valid, ttlSeconds: 9 })).toEqual(['ttlSeconds: Too small: expected number to be >=10']);
    expect(errorsOf({ ...valid, ttlSeconds: 30 * 24 * 3600 + 1 })).toHaveLength(1);
    expect(errorsOf({ ...valid, ttlSeconds: 10, refreshBeforeSeconds: 9 })).toEqual([]);
    expect(errorsOf({ ...valid, ttlSeconds: 10, refreshBeforeSeconds: 10 })).toEqual(['refreshBeforeSeconds: must be less than ttlSeconds']);
  });

  test('unknown fields are named one by one, nested ones by their full path', () => {
    expect(errorsOf({ ...valid, extra: 1, mapping: { uri: valid.mapping.uri, bucket: 'x' } }).sort()).toEqual([
      'extra: is not a known field',
      'mapping.bucket: is not a known field',
    ]);
  });

  test('a PATCH may not carry the name, and the merged registration has no name', () => {
    expect(UpdateServiceSchema.safeParse({ name: 'x' }).success).toBe(false);
    expect(UpdateServiceSchema.parse({ notifications: null })).toEqual({ notifications: null });
    expect(RegistrationSchema.safeParse(valid).success).toBe(false);
  });
});
