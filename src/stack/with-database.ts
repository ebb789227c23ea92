/**
 * `tsx src/stack/with-database.ts <command> [args...]`: runs a command with DATABASE_URL naming
 * a PostgreSQL that answers: the configured one if it does (the dev stack's, say), otherwise a
 * throwaway embedded one, started for the command and deleted after it. For Prisma commands
 * that need a database connection but no data, such as `migrate diff`.
 * The command's output passes through untouched; progress goes to stderr.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../config';
import { StackError } from './errors';
import { runMain } from './main';
import { fileOutput } from './output';
import { startPostgres } from './postgres';
import { Supervisor } from './processes';
import { freePort } from './wait';

runMain(async (lifecycle) => {
  const [command, ...args] = process.argv.slice(2);
  if (!command) throw new StackError('usage: tsx src/stack/with-database.ts <command> [args...]');
  const say = (line: string) => console.error(line);

  let databaseUrl = loadConfig().DATABASE_URL;
  if (!(await answers(databaseUrl))) {
    const dataDir = join(tmpdir(), `courier-with-database-${process.pid}`);
    const output = fileOutput(join(dataDir, 'logs'), say);
    const supervisor = new Supervisor({ output });
    lifecycle.onShutdown(() => rmSync(dataDir, { recursive: true, force: true }));
    lifecycle.onShutdown(() => supervisor.stop());
    say('no database answers at DATABASE_URL: starting a throwaway embedded PostgreSQL');
    databaseUrl = await startPostgres({ supervisor, output, dataDir, port: await freePort(), fresh: true });
  }

  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, DATABASE_URL: databaseUrl } });
  const code = await new Promise<number>((resolve) => {
    child.once('error', (err) => {
      say(`could not run ${command}: ${err.message}`);
      resolve(127);
    });
    child.once('exit', (exitCode) => resolve(exitCode ?? 1));
  });
  await lifecycle.shutdown(code);
});

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
