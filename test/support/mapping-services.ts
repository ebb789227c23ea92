/** Service rows for the mapping-load tests, written directly: the loads under test need no workflow. */
import type { Database } from '../../src/db';
import type { MappingFormat } from '../../src/domain/mapping';

export function createMappingService(db: Database, s: { customerId: string; name: string; uri: string; format: MappingFormat }) {
  return db.prisma.service.create({
    data: {
      customerId: s.customerId,
      name: s.name,
      status: 'active',
      mappingUri: s.uri,
      mappingFormat: s.format,
      metadataUrl: 'http://127.0.0.1:1/metadata',
      ttlSeconds: 3600,
      refreshBeforeSeconds: 1200,
      deliveryEndpoint: 'http://{node}/metadata',
      deliveryTimeoutMs: 1000,
      signingSecret: 'x'.repeat(32),
    },
  });
}
