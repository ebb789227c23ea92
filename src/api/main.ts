/**
 * The API process: serves Contract 1, and every 30 s finishes registrations and deletions that a
 * crash or an outage interrupted and sweeps expired idempotency records and full rate buckets.
 * It starts and stays up while PostgreSQL or Temporal is away: /readyz and the routes that need
 * the missing part answer 503 until it is back. SIGTERM/SIGINT stop taking connections, let
 * requests in flight finish, then close Temporal and the database.
 */
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { createGuardedAgent } from '../net/guarded-agent';
import { sealStoredSecrets } from '../store/service-secrets';
import { ConfigError, secretsKeyring, type Config } from '../config';
import { connectDatabase } from '../db';
import { runMain } from '../observability/logger';
import { createApp } from './app';
import { reconcileDeletions } from './services/deregistration';
import { reconcileProvisioning } from './services/provisioning';
import { sweepExpired } from './services/sweep';

const RECONCILE_EVERY_MS = 30_000;
const API_CONNECTIONS = 10;

async function main(config: Config, logger: Logger): Promise<void> {
  // Without it the admin routes would need a default key, one that anybody reading the code knows.
  if (config.COURIER_ADMIN_KEY === undefined) {
    throw new ConfigError('COURIER_ADMIN_KEY is not set: the API needs the deployment admin key (32+ random bytes, e.g. openssl rand -base64 32). The dev and test stacks generate one.');
  }
  const keyring = secretsKeyring(config);
  const db = connectDatabase(config.DATABASE_URL, {
    maxConnections: API_CONNECTIONS,
    // Every request waits on the database: none should wait for a connection to open.
    keepConnections: API_CONNECTIONS,
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

  // Secrets stored before sealing, or under a rotated-out key: sealed under the current key once per start.
  let secretsSealed = false;
  const sealSecrets = async () => {
    if (secretsSealed) return;
    const sealed = await sealStoredSecrets(db.pool, keyring);
    if (sealed > 0) logger.info({ sealed, kid: keyring.current.kid }, 'stored secrets sealed under the current secrets key');
    secretsSealed = true;
  };

  let reconciling: Promise<unknown> = Promise.resolve();
  const reconcile = () => {
    // One round at a time: a slow round is not stacked under the next.
    reconciling = reconciling
      .then(sealSecrets)
      .then(() => reconcileProvisioning(deps))
      .then(() => reconcileDeletions(deps))
      .then(() => sweepExpired(deps))
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

runMain('courier-api', main);
