import type { Service } from '@prisma/client';
import { Prisma } from '@prisma/client';
import { RegistrationSchema } from '../../../src/api/schemas/services';
import { mirroredState } from '../../../src/api/services/live-status';
import { mergeRegistration, registrationColumns } from '../../../src/api/services/registration';

const row = {
  id: '6f1c0d4e-2d1b-4a59-8c83-0b7f0c2f7a11',
  customerId: '9a0e8f0e-43c1-4f4e-9f5e-1a2b3c4d5e6f',
  name: 'svc',
  status: 'active',
  mappingUri: 's3://bucket/nodes.csv',
  mappingFormat: 'csv',
  metadataUrl: 'http://meta/{node}',
  metadataMaxConcurrency: 8,
  metadataMaxRequestsPerSecond: null,
  ttlSeconds: 3600,
  refreshBeforeSeconds: 1200,
  deliveryEndpoint: 'http://{node}/m',
  deliverySecondaryEndpoint: 'http://{node}.backup/m',
  deliveryTimeoutMs: 5000,
  notifications: { email: 'ops@example.com' },
  signingSecret: null,
  signingSecretSealed: 'sb1.00000000.x.y',
  notificationSecretSealed: null,
  shardCount: 1,
  taskQueue: 'courier',
  mappingEtag: null,
  mappingNodeCount: null,
  mappingLoadedAt: null,
  mappingBadRows: 0,
  mappingBadRowSamples: null,
  mappingError: null,
  createdAt: new Date(),
  updatedAt: new Date(),
} satisfies Service;

describe('registration', () => {
  test('the refresh lead defaults to a third of the TTL', () => {
    const reg = RegistrationSchema.parse({ ...mergeRegistration(row, {}), refreshBeforeSeconds: undefined, ttlSeconds: 100 });
    expect(registrationColumns(reg).refreshBeforeSeconds).toBe(33);
  });

  test('a PATCH merges into nested objects and keeps the stored secret unless given', () => {
    const merged = RegistrationSchema.parse(mergeRegistration(row, { mapping: { format: 'json' }, delivery: { timeoutMs: 100 } }));
    const columns = registrationColumns(merged);
    expect(columns).toMatchObject({ mappingUri: row.mappingUri, mappingFormat: 'json', deliveryEndpoint: row.deliveryEndpoint, deliveryTimeoutMs: 100 });
    expect(columns.notifications).toEqual({ email: 'ops@example.com' });
    expect(columns).not.toHaveProperty('signingSecret');
  });

  test('a PATCH keeps, replaces or (with null) removes the secondary endpoint', () => {
    const secondaryAfter = (patch: Parameters<typeof mergeRegistration>[1]) =>
      registrationColumns(RegistrationSchema.parse(mergeRegistration(row, patch))).deliverySecondaryEndpoint;
    expect(secondaryAfter({ delivery: { timeoutMs: 100 } })).toBe(row.deliverySecondaryEndpoint);
    expect(secondaryAfter({ delivery: { secondaryEndpoint: 'http://{node}.dr/m' } })).toBe('http://{node}.dr/m');
    expect(secondaryAfter({ delivery: { secondaryEndpoint: null } })).toBeNull();
  });

  test("a PATCH keeps, sets or (with null) removes the metadata source's limits", () => {
    const limitsAfter = (patch: Parameters<typeof mergeRegistration>[1]) => {
      const columns = registrationColumns(RegistrationSchema.parse(mergeRegistration(row, patch)));
      return [columns.metadataUrl, columns.metadataMaxConcurrency, columns.metadataMaxRequestsPerSecond];
    };
    expect(limitsAfter({})).toEqual([row.metadataUrl, 8, null]);
    expect(limitsAfter({ metadata: { maxRequestsPerSecond: 50 } })).toEqual([row.metadataUrl, 8, 50]);
    expect(limitsAfter({ metadata: { url: 'http://other/{node}', maxConcurrency: null } })).toEqual(['http://other/{node}', null, null]);
  });

  test('notifications: null clears them', () => {
    const merged = RegistrationSchema.parse(mergeRegistration(row, { notifications: null }));
    expect(registrationColumns(merged).notifications).toBe(Prisma.DbNull);
  });

  test('the state implied by the mirror columns', () => {
    expect(mirroredState({ ...row, status: 'provisioning' })).toBe('loading');
    expect(mirroredState(row)).toBe('loading');
    expect(mirroredState({ ...row, mappingLoadedAt: new Date() })).toBe('active');
    expect(mirroredState({ ...row, mappingLoadedAt: new Date(), mappingError: 'NoSuchKey' })).toBe('degraded');
    expect(mirroredState({ ...row, status: 'deleting' })).toBe('deleting');
  });
});
