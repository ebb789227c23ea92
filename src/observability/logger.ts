import pino, { type Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from '../config';

/**
 * The one logger of a Courier process: JSON lines on stdout, one field `service` naming the
 * process. `npm run dev` renders the lines readable (src/stack/output.ts); production ships them
 * as they are.
 */
function createLogger(config: Pick<Config, 'COURIER_LOG_LEVEL'>, service: string): Logger {
  return pino({ level: config.COURIER_LOG_LEVEL, base: { service } });
}

/**
 * A process's entry: its settings, its logger, then `main`. A bad setting is a message for a
 * person on stderr; anything else that ends `main` is logged with its stack, and the exit code is 1.
 */
export function runMain(service: string, main: (config: Config, logger: Logger) => Promise<void>): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  const logger = createLogger(config, service);
  main(config, logger).catch((err: unknown) => {
    // A setting found wrong only once the process looked closer is still a message for a person.
    if (err instanceof ConfigError) console.error(err.message);
    else logger.fatal({ err }, `${service} stopped`);
    process.exit(1);
  });
}
