/**
 * Huge services fan out in two levels (service → shard groups → shards), and every workflow of
 * the tree survives continue-as-new. Shard size and children per parent are shrunk so that a
 * 300-node service needs the full tree: 8 shards of at most 50 nodes, in 4 groups of 2.
 */
import { TypedSearchAttributes } from '@temporalio/common';
import { customerIdKey, serviceIdKey, shardKey } from '../../src/workflows/search-attributes';
import { refreshAllSignal, SERVICE_WORKFLOW_TYPE, serviceStatusQuery, serviceWorkflowStartOptions } from '../../src/workflows/service/definitions';
import { csvMapping, Engine, FLEET_SECRET, MAPPING_BUCKET } from '../support/engine';
import { eventually } from '../support/eventually';
import { recordHistories } from '../support/history-recorder';
import { expiredSeconds, ledgerOf } from '../support/ledger';

const NODES = 300;

describe('two-level fan-out and continue-as-new', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.start('fanout', { workerEnv: { COURIER_SHARD_SIZE: '50' }, apiConfig: { COURIER_MAX_CHILDREN: 2 } });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('delivers through shard groups and finds every workflow by search attribute', async () => {
    const uri = await engine.putMapping('fanout/nodes.csv', csvMapping('g-', NODES));
    const id = await engine.registerService('fanout', uri);
    await eventually('every node delivered twice', async () => {
      const l = ledgerOf(engine.fleet, 'fanout');
      return l.size === NODES && [...l.values()].every((n) => n.deliveries >= 2) ? true : undefined;
    }, 90_000);

    const status = await engine.temporal.workflow.getHandle(`service:${id}`).query(serviceStatusQuery);
    expect(status.shardCount).toBe(8);
    const live = await eventually('status totals from every shard summary', async () => {
      const s = await engine.api('GET', `/v1/services/${id}`);
      return s.body.nodes.total === NODES ? s.body : undefined;
    });
    expect(live.nodes.fresh).toBe(NODES);

    const found: string[] = [];
    for await (const wf of engine.temporal.workflow.list({ query: `CourierServiceId = '${id}' AND ExecutionStatus = 'Running'` })) {
      found.push(wf.workflowId);
    }
    const expected = [`service:${id}`, ...[0, 1, 2, 3].map((g) => `service:${id}:group:${g}`), ...[0, 1, 2, 3, 4, 5, 6, 7].map((s) => `service:${id}:shard:${s}`)];
    expect(found.sort()).toEqual(expected.sort());
    const shard5 = await engine.temporal.workflow.getHandle(`service:${id}:shard:5`).describe();
    expect(shard5.typedSearchAttributes.get(shardKey)).toBe(5);
    expect(expiredSeconds(ledgerOf(engine.fleet, 'fanout').values())).toBe(0);
    // Runs of the fan-out tree that have delivered twice hold child starts, activities, timers
    // and signals; the notifier and fleet workflows of the same engine come along.
    if (process.env.RECORD_HISTORIES) {
      const queue = engine.config.COURIER_TASK_QUEUE;
      const ids = [`service:${id}`, `service:${id}:group:0`, `service:${id}:shard:0`, `courier:notifier:${queue}`, `courier:fleet:${queue}`];
      console.log(`recorded for the replay test: ${(await recordHistories(engine.temporal, ids)).join(', ')}`);
    }
  });

  it('keeps delivering while every workflow continues as new on each iteration', async () => {
    const uri = await engine.putMapping('fanout/can.csv', csvMapping('can-', 120));
    // Made in the database, as the API would, with the grant its mapping loads are checked against.
    const customer = await engine.db.prisma.customer.create({
      data: { name: 'continue-as-new', mappingGrants: { create: { bucket: MAPPING_BUCKET, prefix: 'fanout/' } } },
    });
    const service = await engine.db.prisma.service.create({
      data: {
        customerId: customer.id,
        name: 'can',
        status: 'active',
        mappingUri: uri,
        metadataUrl: `${engine.source.url}/v1/metadata?service={service}`,
        ttlSeconds: 15,
        refreshBeforeSeconds: 6,
        deliveryEndpoint: `${engine.fleet.url}/nodes/{node}/metadata`,
        deliveryTimeoutMs: 2000,
        signingSecret: FLEET_SECRET,
      },
    });
    const options = serviceWorkflowStartOptions(
      {
        serviceId: service.id,
        customerId: customer.id,
        serviceName: 'can',
        settings: { maxChildren: 2 },
        continueAsNewEveryIteration: true,
      },
      engine.config.COURIER_TASK_QUEUE,
    );
    expect(options.typedSearchAttributes).toBeInstanceOf(TypedSearchAttributes);
    await engine.temporal.workflow.start(SERVICE_WORKFLOW_TYPE, options);

    await eventually('three deliveries to every node', async () => {
      const l = ledgerOf(engine.fleet, 'can');
      return l.size === 120 && [...l.values()].every((n) => n.deliveries >= 3) ? true : undefined;
    }, 120_000);
    // Groups iterate only when woken: a refresh-all wakes every level, and every node is delivered again.
    const before = new Map([...ledgerOf(engine.fleet, 'can')].map(([id, n]) => [id, n.deliveries]));
    await engine.temporal.workflow.getHandle(`service:${service.id}`).signal(refreshAllSignal);
    await eventually('every node delivered after the refresh-all', async () => {
      const l = ledgerOf(engine.fleet, 'can');
      return [...l].every(([id, n]) => n.deliveries > before.get(id)!) ? true : undefined;
    }, 60_000);
    expect(expiredSeconds(ledgerOf(engine.fleet, 'can').values())).toBe(0);

    for (const workflowId of [`service:${service.id}`, `service:${service.id}:group:0`, `service:${service.id}:shard:0`]) {
      const handle = engine.temporal.workflow.getHandle(workflowId);
      const desc = await handle.describe();
      expect(desc.status.name).toBe('RUNNING');
      expect(desc.typedSearchAttributes.get(serviceIdKey)).toBe(service.id);
      expect(desc.typedSearchAttributes.get(customerIdKey)).toBe(customer.id);
      // A run that started from continue-as-new carries the previous run's id.
      const history = await handle.fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      expect(started?.continuedExecutionRunId).toBeTruthy();
    }
  });
});
