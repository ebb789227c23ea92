import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { computeNodeGauges, NODE_GAUGES_DUTY } from '../../observability/node-gauges';
import { claimTurn, saveTurnResult } from '../../store/fleet-turns';
import { sweepBreaches } from '../alert-events';
import type { CourierActivities, FleetDutiesInput, FleetDutiesResult } from '../types';
import { reconcileShards } from './reconcile';
import { resyncMappings } from './resync';

/** How often each duty runs, once per deployment. */
interface FleetCadence {
  nodeGaugesMs: number;
  breachSweepMs: number;
  reconcileMs: number;
  /** A shard counts as missing once it is this late. */
  reconcileGraceMs: number;
  resyncMs: number;
}

export interface FleetDeps {
  pool: Pool;
  s3: S3Client;
  temporal: Client;
  cadence: FleetCadence;
  maxChildren: number;
}

/** Breaches marked per sweep; a bigger backlog takes a few turns. */
const SWEEP_LIMIT = 10_000;

/**
 * The work that grows with the fleet, done once per deployment: each duty claims its turn in
 * PostgreSQL (src/store/fleet-turns.ts), so however many workers' fleet workflows tick, each
 * duty runs once per cadence. Duties that start or signal workflows are per task queue.
 */
export function createFleetActivities(deps: FleetDeps): Pick<CourierActivities, 'runFleetDuties'> {
  const { pool, cadence } = deps;
  return {
    async runFleetDuties({ taskQueue }: FleetDutiesInput): Promise<FleetDutiesResult> {
      const result: FleetDutiesResult = {};
      if (await claimTurn(pool, `reconcile:${taskQueue}`, cadence.reconcileMs)) {
        result.shardsRestarted = await reconcileShards(deps, { taskQueue, graceMs: cadence.reconcileGraceMs });
      }
      if (await claimTurn(pool, 'breach-sweep', cadence.breachSweepMs)) {
        result.breachesSwept = await sweepBreaches(pool, SWEEP_LIMIT);
      }
      if (await claimTurn(pool, NODE_GAUGES_DUTY, cadence.nodeGaugesMs)) {
        await saveTurnResult(pool, NODE_GAUGES_DUTY, await computeNodeGauges(pool));
        result.gaugesComputed = true;
      }
      if (await claimTurn(pool, `resync:${taskQueue}`, cadence.resyncMs)) {
        result.mappingsResynced = (await resyncMappings(deps, { taskQueue, maxChildren: deps.maxChildren })).signalled;
      }
      return result;
    },
  };
}
