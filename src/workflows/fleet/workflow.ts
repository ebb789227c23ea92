import { continueAsNew, sleep, workflowInfo } from '@temporalio/workflow';
import { fleet } from '../activities';
import type { FleetInput } from './definitions';

/**
 * The fleet's ticker: every tick one activity runs the duties whose turn has come. All state is
 * in PostgreSQL (each duty's last turn), so the loop carries nothing and continues as new
 * whenever Temporal suggests it.
 */
export async function fleetWorkflow(input: FleetInput): Promise<void> {
  for (;;) {
    try {
      await fleet.runFleetDuties({ taskQueue: workflowInfo().taskQueue });
    } catch {
      // Retries are spent; the duties run at the next tick, and nothing is lost in between.
    }
    await sleep(input.tickSeconds * 1000);
    if (workflowInfo().continueAsNewSuggested || input.continueAsNewEveryIteration) {
      await continueAsNew<typeof fleetWorkflow>(input);
    }
  }
}
