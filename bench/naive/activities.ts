import type { BareDelivery } from '../delivery';

export interface NaiveActivities {
  /** GET the metadata, sign, POST to the node, check the ack: one node. */
  deliverToNode(node: string): Promise<void>;
}

export const createNaiveActivities = (delivery: BareDelivery): NaiveActivities => ({
  deliverToNode: (node) => delivery.deliver(node),
});
