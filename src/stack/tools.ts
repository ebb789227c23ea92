import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { StackError } from './errors';

/** The server binaries scripts/setup.sh provides, where in the tools folder, and the variable that points at one of your own. */
const TOOLS = {
  temporal: { variable: 'TEMPORAL_BIN', file: 'temporal' },
  minio: { variable: 'MINIO_BIN', file: 'minio' },
  prometheus: { variable: 'PROMETHEUS_BIN', file: join('prometheus', 'prometheus') },
  // Built only for COURIER_STACK_TEMPORAL=postgres.
  'temporal-server': { variable: 'TEMPORAL_SERVER_BIN', file: 'temporal-server' },
  'temporal-sql-tool': { variable: 'TEMPORAL_SQL_TOOL_BIN', file: 'temporal-sql-tool' },
} as const;

export type Tool = keyof typeof TOOLS;

/** Outside the clone by default, so a fresh clone (CI) reuses the builds. Same rule as setup.sh. */
function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.COURIER_TOOLS_DIR || join(env.HOME || homedir(), '.cache', 'courier', 'bin');
}

export function toolPath(tool: Tool, env: NodeJS.ProcessEnv = process.env): string {
  const { variable, file } = TOOLS[tool];
  const path = env[variable] || join(toolsDir(env), file);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    const origin = env[variable] ? `${variable} points at ${path}` : `${path} does not exist`;
    throw new StackError(
      `No ${tool} binary: ${origin}. Run \`npm run setup\` to provide it, or set ${variable} to a ${tool} binary of your own.`,
    );
  }
  return path;
}
