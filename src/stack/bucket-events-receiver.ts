/**
 * For the test stacks: an API on the port MinIO's bucket events go to, so a mapping written by
 * any test reaches the service workflows reading it (they are signalled by id, whichever test's
 * engine runs them). `npm run dev` needs none: its own API is the target.
 */
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createGuardedAgent } from '../net/guarded-agent';
import { createApp } from '../api/app';
import { loadConfig } from '../config';
import { connectDatabase } from '../db';
import { portIsOpen } from './wait';

export async function startBucketEventsReceiver(env: NodeJS.ProcessEnv, port: number): Promise<{ stop(): Promise<void> }> {
  if (await portIsOpen(port)) return { stop: async () => {} };
  const config = loadConfig(env);
  const db = connectDatabase(config.DATABASE_URL, { maxConnections: 4 });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const dispatcher = createGuardedAgent({ policy: { allowPrivateNetworks: true }, connections: 4 });
  const app = createApp({ db, temporal, config, logger: pino({ level: 'warn' }), dispatcher });
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  if ((server.address() as AddressInfo).port !== port) throw new Error(`bucket events receiver did not bind port ${port}`);
  return {
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      await connection.close();
      await dispatcher.close();
      await db.close();
    },
  };
}
