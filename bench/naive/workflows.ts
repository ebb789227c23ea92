/**
 * The naive Temporal design: one activity per node. A refresh cycle of a slice of nodes is one
 * workflow that schedules one `deliverToNode` activity per node and waits for them all.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { NaiveActivities } from './activities';

const { deliverToNode } = proxyActivities<NaiveActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});

export async function naiveRefreshWorkflow(input: { nodes: string[] }): Promise<number> {
  await Promise.all(input.nodes.map((node) => deliverToNode(node)));
  return input.nodes.length;
}
