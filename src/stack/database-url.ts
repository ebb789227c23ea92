/** The one place that knows the embedded database's default address. */
export const DEFAULT_DATABASE_URL = 'postgresql://courier:courier@127.0.0.1:5433/courier';

export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
}
