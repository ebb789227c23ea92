import { DeliveryBodySchema, encodeDeliveryBody } from '../../../src/domain/protocol';

describe('encodeDeliveryBody', () => {
  const cases = [
    { service: 'payments', node: 'node-1.example.internal', version: 'v1', issuedAt: '2026-11-22T10:00:00.000Z', expiresAt: '2026-11-22T11:00:00.000Z', metadata: 'aGVsbG8=' },
    { service: 'quote"and\\slash', node: 'n:ü-☃', version: 'e\n"tag"', issuedAt: '', expiresAt: 'x', metadata: '' },
  ];

  it.each(cases)('gives the bytes JSON.stringify gives ($service)', (body) => {
    const { metadata, ...fields } = body;
    const encoded = encodeDeliveryBody(fields, JSON.stringify(metadata));
    expect(encoded).toBe(JSON.stringify(body));
    expect(DeliveryBodySchema.parse(JSON.parse(encoded))).toEqual(body);
  });
});
