/**
 * The fleet workflow family: one per task queue, doing the work that grows with the fleet once
 * per deployment however many workers run — restarting shards that stopped, the safety-net
 * resync of mapping objects, the breach sweep and the node gauges (src/activities/fleet/).
 */
export const FLEET_WORKFLOW_TYPE = 'fleetWorkflow';

const fleetWorkflowId = (taskQueue: string): string => `courier:fleet:${taskQueue}`;

export interface FleetInput {
  /** How often the duties are looked at; each runs at its own cadence (src/activities/fleet/duties.ts). */
  tickSeconds: number;
  continueAsNewEveryIteration?: boolean;
}

export function fleetStartOptions(input: FleetInput, taskQueue: string) {
  return {
    workflowId: fleetWorkflowId(taskQueue),
    taskQueue,
    args: [input] as [FleetInput],
    staticSummary: `Fleet duties of task queue ${taskQueue}`,
  };
}
