import { createServer } from 'node:http';
import { closeServer, listen, router } from './http/kit';
import { adminRoutes } from './fleet/admin-routes';
import { deliveryHandler, zeroCounters } from './fleet/deliveries';
import { FaultPlan, type FaultRuleInput } from './fleet/faults';
import { Ledger } from './fleet/ledger';
import { pullFromCourier } from './fleet/pulls';
import { SecretBook } from './fleet/secrets';
import type { NodeFleet } from './fleet/types';

export { failingRate, nodesDown } from './fleet/faults';
export type { NodeView } from './fleet/ledger';
export type { NodeFleet } from './fleet/types';

/** 32+ characters, so a demo can also register it as a service's own `signingSecret` (Contract 1). */
export const DEFAULT_NODE_FLEET_SECRET = 'courier-simulated-node-fleet-dev-secret';

export interface NodeFleetOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Secret for services without their own; defaults to env NODE_FLEET_SECRET, then DEFAULT_NODE_FLEET_SECRET. */
  secret?: string;
  /** Per-service secrets, by service name. */
  secrets?: Record<string, string>;
  faults?: FaultRuleInput[];
  /** Epoch ms; inject to test expiry accounting without sleeping. */
  now?: () => number;
  /** In [0, 1); decides `rate` faults. */
  random?: () => number;
  /** Courier's API, which nodes pull from; defaults to env COURIER_API_URL, then http://127.0.0.1:8080. */
  courierUrl?: string;
}

/**
 * Any number of simulated nodes behind one HTTP server, each at `POST /nodes/{nodeId}/metadata`
 * (Contract 2), recording what each holds and for how long it held expired metadata.
 */
export async function startNodeFleet(options: NodeFleetOptions = {}): Promise<NodeFleet> {
  const now = options.now ?? Date.now;
  const ledger = new Ledger(now);
  const faults = new FaultPlan(now, options.random ?? Math.random);
  faults.set(options.faults ?? []);
  const secrets = new SecretBook(options.secret ?? (process.env.NODE_FLEET_SECRET || DEFAULT_NODE_FLEET_SECRET), options.secrets);
  const counters = zeroCounters();
  const courierUrl = options.courierUrl ?? (process.env.COURIER_API_URL || 'http://127.0.0.1:8080');
  let since = now();

  const server = createServer();
  const { port, url } = await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);

  const fleet: NodeFleet = {
    url,
    port,
    endpointTemplate: `${url}/nodes/{node}/metadata`,
    endpointFor: (nodeId) => `${url}/nodes/${encodeURIComponent(nodeId)}/metadata`,
    stats: () => {
      const { nodes, holdingValid, holdingExpired, expiredNodeSeconds, lateArrivals } = ledger.summary();
      return { nodes, ...counters, holdingValid, holdingExpired, expiredNodeSeconds, lateArrivals, since: new Date(since).toISOString() };
    },
    ledger: (query = {}) => ledger.page({ limit: 100, offset: 0, ...query }),
    node: (nodeId, service) => {
      const views = ledger.node(nodeId, service);
      if (views.length > 1) throw new Error(`node '${nodeId}' holds copies of several services; name one`);
      return views[0];
    },
    faults: () => faults.list(),
    setFaults: (rules) => faults.set(rules),
    clearFaults: () => faults.set([]),
    setSecret: (service, secret) => secrets.set(service, secret),
    deleteSecret: (service) => secrets.delete(service),
    pullCredential: (nodeId, service) => ledger.pullCredential(nodeId, service),
    pull: (nodeId, service) => pullFromCourier({ ledger, secrets, courierUrl }, nodeId, service),
    reset: () => {
      ledger.reset();
      Object.assign(counters, zeroCounters());
      since = now();
    },
    close: () => closeServer(server),
  };

  const handleDelivery = deliveryHandler({ ledger, faults, secrets, counters });
  server.on(
    'request',
    router([{ method: 'POST', path: /^\/nodes\/([^/]+)\/metadata$/, handle: handleDelivery }, ...adminRoutes(fleet, ledger)]),
  );
  return fleet;
}
