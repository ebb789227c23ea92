import { Pool } from 'undici';
import { startNodeFleet, failingRate, nodesDown, type NodeFleet } from '../../../src/simulators/node-fleet';
import { bodyFor, call, deliver, SECRET } from './deliver';

describe('node fleet', () => {
  let fleet: NodeFleet;

  beforeAll(async () => {
    fleet = await startNodeFleet({ secret: SECRET });
  });
  afterAll(() => fleet.close());
  beforeEach(() => {
    fleet.clearFaults();
    fleet.reset();
  });

  describe('Contract 2', () => {
    it('acks a correctly signed delivery with its node and version and records it', async () => {
      const body = bodyFor('node-1', { version: 'v7' });
      const answer = await deliver(fleet.url, body);

      expect(answer).toEqual({ status: 200, json: { node: 'node-1', version: 'v7' } });
      expect(fleet.node('node-1')).toMatchObject({
        nodeId: 'node-1',
        service: 'svc',
        version: 'v7',
        expiresAt: body.expiresAt,
        deliveries: 1,
        expired: false,
        expiredMs: 0,
      });
      expect(fleet.stats()).toMatchObject({ nodes: 1, deliveries: 1, acked: 1, rejected: 0, holdingValid: 1 });
    });

    it('refuses a wrong signature with 401 and counts it, overall and for the node', async () => {
      const answer = await deliver(fleet.url, bodyFor('node-2'), { secret: 'another-secret' });

      expect(answer.status).toBe(401);
      expect(fleet.stats()).toMatchObject({ deliveries: 1, acked: 0, rejected: 1 });
      expect(fleet.node('node-2')).toMatchObject({ version: null, deliveries: 0, rejected: 1, lastRejected: expect.stringContaining('Signature') });
    });

    it('refuses an unsigned delivery', async () => {
      expect((await deliver(fleet.url, bodyFor('n'), { signature: '' })).status).toBe(401);
    });

    it('refuses a body that breaks the contract with 400', async () => {
      const missingVersion = { ...bodyFor('node-3'), version: undefined } as unknown as ReturnType<typeof bodyFor>;
      expect((await deliver(fleet.url, missingVersion)).status).toBe(400);
      expect((await deliver(fleet.url, bodyFor('node-3'), { nodeInPath: 'node-4' })).status).toBe(400);
      expect((await deliver(fleet.url, bodyFor('node-3', { expiresAt: 'soon' }))).status).toBe(400);
      expect(fleet.stats()).toMatchObject({ rejected: 3, acked: 0 });
    });

    it('verifies each service with its own secret once one is set, over HTTP', async () => {
      expect((await call('PUT', `${fleet.url}/admin/secrets/payments`, { secret: 'payments-secret' })).status).toBe(204);

      const body = bodyFor('p-1', { service: 'payments' });
      expect((await deliver(fleet.url, body)).status).toBe(401);
      expect((await deliver(fleet.url, body, { secret: 'payments-secret' })).status).toBe(200);
      expect((await deliver(fleet.url, bodyFor('other-1'))).status).toBe(200);

      expect((await call('DELETE', `${fleet.url}/admin/secrets/payments`)).status).toBe(204);
      expect((await deliver(fleet.url, body)).status).toBe(200);
    });

    it('keeps one record per service when services share a node id', async () => {
      await deliver(fleet.url, bodyFor('shared-node', { service: 'a', version: 'va' }));
      await deliver(fleet.url, bodyFor('shared-node', { service: 'b', version: 'vb' }));

      expect(fleet.node('shared-node', 'a')?.version).toBe('va');
      expect(fleet.node('shared-node', 'b')?.version).toBe('vb');
      expect(() => fleet.node('shared-node')).toThrow(/several services/);
      expect((await call('GET', `${fleet.url}/ledger/shared-node`)).status).toBe(409);
      expect((await call('GET', `${fleet.url}/ledger/shared-node?service=b`)).json).toMatchObject({ version: 'vb' });
    });
  });

  describe('faults', () => {
    it('refuse: the connection is destroyed without an answer', async () => {
      fleet.setFaults([nodesDown(['down-1'])]);

      await expect(deliver(fleet.url, bodyFor('down-1'))).rejects.toThrow();
      expect((await deliver(fleet.url, bodyFor('up-1'))).status).toBe(200);
      expect(fleet.stats()).toMatchObject({ faulted: 1, acked: 1 });
      expect(fleet.ledger().nodes.map((n) => n.nodeId)).toEqual(['up-1']);
    });

    it('error: answers the given status, 503 by default', async () => {
      fleet.setFaults([{ nodes: ['e-1'], mode: 'error', status: 500 }, { nodes: ['e-2'], mode: 'error' }]);

      expect((await deliver(fleet.url, bodyFor('e-1'))).status).toBe(500);
      expect((await deliver(fleet.url, bodyFor('e-2'))).status).toBe(503);
      expect(fleet.node('e-1')).toBeUndefined();
    });

    it('hang: never answers, so the client times out', async () => {
      fleet.setFaults([{ mode: 'hang' }]);

      await expect(deliver(fleet.url, bodyFor('h-1'), { timeoutMs: 200 })).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
      expect(fleet.stats()).toMatchObject({ deliveries: 1, faulted: 1, acked: 0 });
    });

    it('wrongAck: acks another version and keeps the copy it held', async () => {
      await deliver(fleet.url, bodyFor('w-1', { version: 'old' }));
      fleet.setFaults([{ nodes: ['w-1', 'w-2'], mode: 'wrongAck' }]);

      expect(await deliver(fleet.url, bodyFor('w-1', { version: 'new' }))).toEqual({ status: 200, json: { node: 'w-1', version: 'old' } });
      const neverHeld = await deliver(fleet.url, bodyFor('w-2', { version: 'new' }));
      expect(neverHeld.status).toBe(200);
      expect(neverHeld.json).not.toMatchObject({ version: 'new' });
      expect(fleet.node('w-1')).toMatchObject({ version: 'old', deliveries: 1 });
    });

    it('latency: answers normally after the delay', async () => {
      fleet.setFaults([{ mode: 'latency', ms: 150 }]);

      const started = Date.now();
      const answer = await deliver(fleet.url, bodyFor('l-1'));
      expect(answer.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(fleet.stats()).toMatchObject({ faulted: 1, acked: 1 });
    });

    it('rate: fails about that fraction of requests', async () => {
      fleet.setFaults([failingRate(0.3)]);
      const pool = new Pool(fleet.url, { connections: 16 });
      try {
        const answers = await Promise.all(
          Array.from({ length: 1000 }, (_, i) => deliver(fleet.url, bodyFor(`r-${i}`), { dispatcher: pool })),
        );
        const failed = answers.filter((a) => a.status === 503).length;
        expect(failed).toBeGreaterThan(220);
        expect(failed).toBeLessThan(380);
        expect(answers.filter((a) => a.status === 200)).toHaveLength(1000 - failed);
        expect(fleet.stats()).toMatchObject({ faulted: failed, acked: 1000 - failed });
      } finally {
        await pool.close();
      }
    });

    it('applies the first matching rule, and a rule stops at untilEpochMs', async () => {
      fleet.setFaults([
        { nodes: ['f-1'], mode: 'error', status: 502, untilEpochMs: Date.now() - 1 },
        { nodes: ['f-1'], mode: 'error', status: 500 },
        { mode: 'error', status: 503 },
      ]);
      expect((await deliver(fleet.url, bodyFor('f-1'))).status).toBe(500);
      expect((await deliver(fleet.url, bodyFor('f-2'))).status).toBe(503);
    });

    it('are replaced, read and cleared over HTTP, and a bad rule is a 400', async () => {
      const rules = [{ nodes: ['x'], mode: 'refuse' }];
      expect(await call('PUT', `${fleet.url}/admin/faults`, rules)).toMatchObject({ status: 200, json: rules });
      expect((await call('GET', `${fleet.url}/admin/faults`)).json).toEqual(rules);
      expect((await call('PUT', `${fleet.url}/admin/faults`, { mode: 'error' })).json).toEqual([{ mode: 'error', status: 503 }]);

      const bad = await call('PUT', `${fleet.url}/admin/faults`, [{ node: ['x'], mode: 'refuse' }]);
      expect(bad.status).toBe(400);
      expect(fleet.faults()).toEqual([{ mode: 'error', status: 503 }]);

      expect((await call('DELETE', `${fleet.url}/admin/faults`)).status).toBe(204);
      expect(fleet.faults()).toEqual([]);
    });

    it('can be given at start', async () => {
      const faulty = await startNodeFleet({ secret: SECRET, faults: [{ mode: 'error', status: 429 }] });
      try {
        expect((await deliver(faulty.url, bodyFor('s-1'))).status).toBe(429);
      } finally {
        await faulty.close();
      }
    });
  });

  describe('ledger and stats over HTTP', () => {
    it('filters by service and pages', async () => {
      for (let i = 0; i < 5; i++) await deliver(fleet.url, bodyFor(`a-${i}`, { service: 'alpha' }));
      await deliver(fleet.url, bodyFor('b-0', { service: 'beta' }));

      const page = await call('GET', `${fleet.url}/ledger?service=alpha&limit=2&offset=1`);
      expect(page.json).toMatchObject({
        summary: { nodes: 5, holdingValid: 5, holdingExpired: 0, deliveries: 5 },
        total: 5,
        limit: 2,
        offset: 1,
        nodes: [{ nodeId: 'a-1' }, { nodeId: 'a-2' }],
      });
      expect((await call('GET', `${fleet.url}/ledger?limit=nope`)).status).toBe(400);
      expect((await call('GET', `${fleet.url}/ledger/b-0`)).json).toMatchObject({ nodeId: 'b-0', service: 'beta', deliveries: 1 });
      expect((await call('GET', `${fleet.url}/ledger/nobody`)).status).toBe(404);
    });

    it('reports stats and forgets everything on reset', async () => {
      await deliver(fleet.url, bodyFor('s-1'));
      expect((await call('GET', `${fleet.url}/stats`)).json).toEqual({
        nodes: 1,
        deliveries: 1,
        acked: 1,
        rejected: 0,
        faulted: 0,
        holdingValid: 1,
        holdingExpired: 0,
        expiredNodeSeconds: 0,
        lateArrivals: 0,
        since: expect.any(String),
      });
      expect((await call('POST', `${fleet.url}/admin/reset`)).status).toBe(204);
      expect(fleet.stats()).toMatchObject({ nodes: 0, deliveries: 0, acked: 0 });
    });

    it('answers unknown routes with 404 and wrong methods with 405', async () => {
      expect((await call('GET', `${fleet.url}/nope`)).status).toBe(404);
      expect((await call('GET', `${fleet.url}/nodes/n-1/metadata`)).status).toBe(405);
    });
  });
});
