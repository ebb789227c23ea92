import { dirname, join } from 'node:path';
import type { Output } from './output';
import { ROOT } from './paths';
import { runCommand } from './run';

/**
 * The environment the Prisma CLI needs here: the engine variables point at any existing file,
 * because with the JavaScript engine they are never run, and unset they make the CLI download.
 */
function prismaEnv(databaseUrl: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    DATABASE_URL: databaseUrl,
    PRISMA_SCHEMA_ENGINE_BINARY: env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_QUERY_ENGINE_LIBRARY: env.PRISMA_QUERY_ENGINE_LIBRARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    // No usage ping: this machine reaches no vendor site, and the ping only waits to time out.
    CHECKPOINT_DISABLE: '1',
  };
}

/** The lines `prisma migrate deploy` ends with when it succeeded. */
const DEPLOYED = /^(All migrations have been successfully applied\.|No pending migrations to apply\.)$/m;

function prismaCli(): string {
  return join(dirname(require.resolve('prisma/package.json')), 'build', 'index.js');
}

/** `prisma migrate deploy`: applies the committed migrations not yet applied, nothing else. */
export async function applyMigrations(databaseUrl: string, output: Output): Promise<void> {
  const printed = await runCommand('prisma migrate deploy', process.execPath, [prismaCli(), 'migrate', 'deploy'], {
    cwd: ROOT,
    env: prismaEnv(databaseUrl),
    // Its work is committed when it prints the outcome, but its JavaScript engine then keeps
    // the process alive for 10 s on idle timers (connection pool, lock timeout).
    doneWhen: DEPLOYED,
  });
  output.info(`migrations: ${DEPLOYED.exec(printed)?.[0] ?? 'applied'}`);
}
