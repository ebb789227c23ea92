/** The node fleet simulator as its users and its admin routes see it. */
import type { FaultRule, FaultRuleInput } from './faults';
import type { LedgerPage, LedgerQuery, NodeView, PullCredential } from './ledger';
import type { PullOutcome } from './pulls';

interface FleetStats {
  /** (service, node) pairs the fleet has seen. */
  nodes: number;
  /** Delivery requests received, whatever their outcome. */
  deliveries: number;
  acked: number;
  rejected: number;
  faulted: number;
  holdingValid: number;
  holdingExpired: number;
  /** Node-seconds of expired metadata, including copies expired now. */
  expiredNodeSeconds: number;
  /** Copies that arrived after the previous one had expired. */
  lateArrivals: number;
  /** Start, or last reset. */
  since: string;
}

export interface NodeFleet {
  url: string;
  port: number;
  /** A `delivery.endpoint` for service registrations (Contract 1). */
  endpointTemplate: string;
  endpointFor(nodeId: string): string;
  stats(): FleetStats;
  ledger(query?: Partial<LedgerQuery>): LedgerPage;
  /** Throws when the node holds copies of several services and `service` is not given. */
  node(nodeId: string, service?: string): NodeView | undefined;
  faults(): FaultRule[];
  /** Replaces every rule; the first rule matching a request applies. */
  setFaults(rules: FaultRuleInput[]): void;
  clearFaults(): void;
  setSecret(service: string, secret: string): void;
  deleteSecret(service: string): boolean;
  /** What the node keeps to pull with: its service id and the pull token of its last delivery. */
  pullCredential(nodeId: string, service: string): PullCredential | null;
  /** The node pulls its delivery from Courier with the pull token its last delivery carried. */
  pull(nodeId: string, service: string): Promise<PullOutcome>;
  /** Forgets the ledger and counters; faults and secrets stay. */
  reset(): void;
  close(): Promise<void>;
}
