import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { StackError } from './errors';

/** The server binaries scripts/setup.sh builds, and the variable that points at a prebuilt one. */
const TOOLS = {
  temporal: 'TEMPORAL_BIN',
  minio: 'MINIO_BIN',
  // Built only for COURIER_STACK_TEMPORAL=postgres.
  'temporal-server': 'TEMPORAL_SERVER_BIN',
  'temporal-sql-tool': 'TEMPORAL_SQL_TOOL_BIN',
} as const;

export type Tool = keyof typeof TOOLS;

/** Outside the clone by default, so a fresh clone (CI) reuses the builds. Same rule as setup.sh. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.COURIER_TOOLS_DIR || join(env.HOME || homedir(), '.cache', 'courier', 'bin');
}

export function toolPath(tool: Tool, env: NodeJS.ProcessEnv = process.env): string {
  const variable = TOOLS[tool];
  const path = env[variable] || join(toolsDir(env), tool);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    const origin = env[variable] ? `${variable} points at ${path}` : `${path} does not exist`;
    throw new StackError(
      `No ${tool} binary: ${origin}. Run \`npm run setup\` to build it, or set ${variable} to a prebuilt ${tool} binary.`,
    );
  }
  return path;
}
