/**
 * The API process: serves Contract 1, and every 30 s finishes registrations and deletions that a
 * crash or an outage interrupted. It starts and stays up while PostgreSQL or Temporal is away:
 * /readyz and the routes that need the missing part answer 503 until it is back. SIGTERM/SIGINT stop taking connections, let requests in flight
 * finish, then close Temporal and the database.
 */
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createGuardedAgent } from '../activities/http/guarded-agent';
import { ConfigError, loadConfig } from '../config';
import { connectDatabase } from '../db';
import { createApp } from './app';
import { reconcileDeletions } from './services/deregistration';
import { reconcileProvisioning } from './services/provisioning';

const RECONCILE_EVERY_MS = 30_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.COURIER_LOG_LEVEL, base: { service: 'courier-api' } });
  const db = connectDatabase(config.DATABASE_URL, {
    onConnectionLost: (err) => logger.warn({ err: err.message }, 'database connection lost; reconnecting on the next query'),
  });
  // Lazy: the API starts, and answers 503 on what needs Temporal, while Temporal is away; the
  // connection reconnects by itself when it is back.
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const dispatcher = createGuardedAgent({
    policy: { allowPrivateNetworks: config.COURIER_ALLOW_PRIVATE_NETWORKS },
    connections: config.COURIER_HTTP_CONNECTIONS,
  });
  const deps = { db, temporal, config, logger, dispatcher };

  let reconciling: Promise<unknown> = Promise.resolve();
  const reconcile = () => {
    // One round at a time: a slow round is not stacked under the next.
    reconciling = reconciling
      .then(() => reconcileProvisioning(deps))
      .then(() => reconcileDeletions(deps))
      .catch((err: unknown) => logger.warn({ err }, 'reconcile round failed'));
  };
  reconcile();
  const timer = setInterval(reconcile, RECONCILE_EVERY_MS);

  const server: Server = createApp(deps).listen(config.API_PORT, config.API_HOST, () => {
    logger.info({ host: config.API_HOST, port: config.API_PORT }, 'courier api listening');
  });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'courier api shutting down');
    clearInterval(timer);
    server.close(() => {
      void reconciling
        .then(() => connection.close())
        .then(() => dispatcher.close())
        .then(() => db.close())
        .then(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
