/**
 * `courier`: the customer API from a terminal. Exit codes: 0 done, 1 the API refused or could not
 * be reached, 2 the command line is wrong. Nothing ever ends in a stack trace.
 */
import { isHttpUrl } from '../domain/http-url';
import { resolve, UsageError } from './args';
import { ApiError, CliError, CourierClient } from './client';
import { adminCommands } from './commands/admin';
import { nodeCommands } from './commands/nodes';
import { notificationCommands } from './commands/notifications';
import { serviceCommands } from './commands/services';
import { watchCommand } from './commands/watch';
import type { Command } from './context';
import { Output, problemLines, type Io } from './output';

export const COMMANDS: Command[] = [...serviceCommands, ...nodeCommands, watchCommand, ...notificationCommands, ...adminCommands];

const DEFAULT_URL = 'http://127.0.0.1:8080';

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let fields: Record<string, string> = {};
  try {
    const resolved = await resolve(argv, COMMANDS);
    if (resolved.kind === 'help') {
      io.stdout.write(resolved.text);
      return 0;
    }
    const { command, input, global } = resolved;
    fields = command.fields ?? {};
    const url = global.url ?? env.COURIER_URL ?? DEFAULT_URL;
    if (!isHttpUrl(url)) throw input.usageError(`--url: '${url}' is not an http:// or https:// URL`);
    const keyVariable = command.admin ? 'COURIER_ADMIN_KEY' : 'COURIER_API_KEY';
    const key = global.key ?? env[keyVariable] ?? env.COURIER_API_KEY;
    if (!key) throw input.usageError(`no API key: pass --key or set ${keyVariable}`);
    const context = { client: new CourierClient(url, key), out: new Output(io, global.json) };
    return (await command.run(context, input)) ?? 0;
  } catch (err) {
    return report(err, io, fields);
  }
}

function report(err: unknown, io: Io, fields: Record<string, string>): number {
  const say = (text: string) => io.stderr.write(`${text}\n`);
  if (err instanceof UsageError) {
    say(`courier: ${err.message}\n`);
    io.stderr.write(err.help);
    return 2;
  }
  if (err instanceof ApiError) {
    say(problemLines(err.status, err.problem, (location, path) => fields[path] ?? `${location} ${path}`.trim()).join('\n'));
    return 1;
  }
  if (err instanceof CliError) {
    say(`courier: ${err.message}`);
    return 1;
  }
  say(`courier: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
}
