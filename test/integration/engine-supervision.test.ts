/**
 * A shard workflow that is terminated by hand (or fails for good) is started again by the fleet's
 * reconciler once its summary says it missed a run, and its nodes keep being delivered.
 */
import { shardWorkflowId } from '../../src/workflows/shard/definitions';
import { csvMapping, Engine } from '../support/engine';
import { eventually } from '../support/eventually';
import { ledgerOf } from '../support/ledger';

describe('supervision of shard workflows', () => {
  let engine: Engine;
  beforeAll(async () => {
    // A reconciler that looks every second and counts a shard missing 2 s after a missed run.
    engine = await Engine.start('supervision', {
      workerEnv: { COURIER_SHARD_SIZE: '5', COURIER_FLEET_TICK_SECONDS: '1', COURIER_RECONCILE_SECONDS: '1', COURIER_RECONCILE_GRACE_SECONDS: '2' },
    });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('starts a terminated shard again, and its nodes are delivered again', async () => {
    const uri = await engine.putMapping('supervision/nodes.csv', csvMapping('sup-', 10));
    const id = await engine.registerService('supervised', uri, { ttlSeconds: 30, refreshBeforeSeconds: 20 });
    await eventually('every node acked', async () => (ledgerOf(engine.fleet, 'supervised').size === 10 ? true : undefined), 60_000, 250);

    const shard = engine.temporal.workflow.getHandle(shardWorkflowId(id, 0));
    const terminated = (await shard.describe()).runId;
    await shard.terminate('an operator terminated it by mistake');

    const restarted = await eventually(
      'a new run of the shard',
      async () => {
        const d = await engine.temporal.workflow.getHandle(shardWorkflowId(id, 0)).describe();
        return d.runId !== terminated && d.status.name === 'RUNNING' ? d.runId : undefined;
      },
      60_000,
      500,
    );
    expect(restarted).not.toBe(terminated);
    // The restarted shard refreshes its nodes: every node is delivered at least twice.
    await eventually(
      "the restarted shard's nodes refreshed",
      async () => ([...ledgerOf(engine.fleet, 'supervised').values()].every((n) => n.deliveries >= 2) ? true : undefined),
      60_000,
      500,
    );
  });
});
