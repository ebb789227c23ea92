/**
 * The API routes that need a running worker: a forced refresh answered by the shard workflow
 * (200 once acked, 202 with the node's state when it fails or outlasts the wait), and live status
 * answered by the service workflow's query.
 */
import { nodesDown } from '../../src/simulators/node-fleet';
import { csvMapping, Engine } from '../support/engine';
import { eventually } from '../support/eventually';
import { ledgerOf } from '../support/ledger';

// Explicit: a project-level `testTimeout` in jest.config.js is not applied by Jest (only the global one is).
const STARTUP_MS = 120_000;
const TEST_MS = 60_000;

describe('API routes served by the workflows', () => {
  let engine: Engine;
  let id: string;
  beforeAll(async () => {
    engine = await Engine.start('api-refresh');
    const uri = await engine.putMapping('api-refresh/nodes.csv', csvMapping('r-', 10));
    // A delivery timeout longer than the API's wait, so a slow node can outlast the wait.
    id = await engine.registerService('api-refresh', uri, {
      delivery: { endpoint: `${engine.fleet.url}/nodes/{node}/metadata`, timeoutMs: 9_000 },
    });
    await eventually('mapping delivered', async () => (ledgerOf(engine.fleet, 'api-refresh').size === 10 ? true : undefined));
  }, STARTUP_MS);
  afterAll(async () => {
    await engine?.close();
  }, TEST_MS);

  test('live status comes from the shard summaries the delivery runs leave', async () => {
    const status = await eventually('status reported', async () => {
      const r = await engine.api('GET', `/v1/services/${id}`);
      return r.body.nodes.fresh === 10 ? r : undefined;
    });
    expect(status.body).toMatchObject({ state: 'active', mapping: { nodeCount: 10, error: null }, nodes: { total: 10, fresh: 10 } });
    expect(status.body.lastCycleAt).not.toBeNull();
  }, TEST_MS);

  test('an acked refresh answers 200 with the delivered version', async () => {
    const r = await engine.api('POST', `/v1/services/${id}/nodes/r-1/refresh`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ nodeId: 'r-1', version: expect.any(String), deliveredAt: expect.any(String), expiresAt: expect.any(String) });
  }, TEST_MS);

  test('a refused delivery answers 202 with the failure and a status link', async () => {
    engine.fleet.setFaults([nodesDown(['r-2'], 'refuse')]);
    try {
      const r = await engine.api('POST', `/v1/services/${id}/nodes/r-2/refresh`);
      expect(r.status).toBe(202);
      expect(r.body).toEqual({
        nodeId: 'r-2',
        state: expect.stringMatching(/^(failing|expired)$/),
        lastError: expect.any(String),
        links: { status: `/v1/services/${id}/nodes/r-2` },
      });
    } finally {
      engine.fleet.clearFaults();
    }
  }, TEST_MS);

  test('a node slower than the wait answers 202 while the delivery carries on', async () => {
    engine.fleet.setFaults([{ nodes: ['r-3'], mode: 'latency', ms: 7_000 }]);
    try {
      const started = Date.now();
      const r = await engine.api('POST', `/v1/services/${id}/nodes/r-3/refresh`);
      expect(r.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(7_000);
      expect(r.body).toMatchObject({ nodeId: 'r-3', links: { status: `/v1/services/${id}/nodes/r-3` } });
    } finally {
      engine.fleet.clearFaults();
    }
  }, TEST_MS);
});
