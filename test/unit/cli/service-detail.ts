import type { ServiceDetail } from '../../../src/api/schemas/services';

export const now = Date.parse('2030-01-01T12:00:00.000Z');

/** A service's GET /v1/services/{id} answer: four nodes, all fresh, unless overridden. */
export const detail = (over: { nodes?: Partial<ServiceDetail['nodes']>; mapping?: Partial<ServiceDetail['mapping']> } = {}): ServiceDetail => ({
  id: '6f1c3c1e-2b1a-4f7e-9a43-0c6a3e0f5b11',
  name: 'payments-api',
  status: 'active',
  metadata: { url: 'http://meta/', maxConcurrency: null, maxRequestsPerSecond: null },
  ttlSeconds: 3600,
  refreshBeforeSeconds: 1200,
  delivery: { endpoint: 'http://{node}/', secondaryEndpoint: null, timeoutMs: 5000 },
  notifications: null,
  createdAt: '2030-01-01T11:00:00.000Z',
  updatedAt: '2030-01-01T11:00:00.000Z',
  links: {},
  state: 'active',
  alerts: { atRisk: 0, breached: 0 },
  mapping: {
    uri: 's3://b/k',
    format: 'auto',
    etag: '"e1"',
    nodeCount: 4,
    loadedAt: '2030-01-01T11:59:00.000Z',
    badRows: 0,
    badRowSamples: [],
    error: null,
    held: null,
    ...over.mapping,
  },
  nodes: { total: 4, fresh: 4, pending: 0, failing: 0, expired: 0, ...over.nodes },
  nextRefreshAt: '2030-01-01T12:00:45.000Z',
  lastCycleAt: '2030-01-01T11:57:00.000Z',
});
