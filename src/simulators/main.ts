/**
 * Runs the simulated node fleet and metadata source until SIGINT or SIGTERM.
 * `tsx src/simulators/main.ts --help` for flags and environment.
 */
import { CliError, parseCli, USAGE } from './cli-options';
import { startMetadataSource } from './metadata-source';
import { startNodeFleet } from './node-fleet';

async function main(): Promise<void> {
  const options = parseCli(process.argv.slice(2), process.env);
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const closers: (() => Promise<void>)[] = [];
  const stop = async () => {
    await Promise.allSettled(closers.map((close) => close()));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  if (options.fleet) {
    const fleet = await startNodeFleet({ host: options.host, ...options.fleet });
    closers.push(fleet.close);
    console.log(`node fleet       ${fleet.url}   delivery.endpoint: ${fleet.endpointTemplate}`);
    if (options.fleet.faults.length > 0) console.log(`                 faults: ${JSON.stringify(options.fleet.faults)}`);
  }
  if (options.source) {
    const source = await startMetadataSource({ host: options.host, ...options.source });
    closers.push(source.close);
    console.log(`metadata source  ${source.url}   metadata.url: ${source.urlTemplate}`);
  }
}

main().catch((err: unknown) => {
  const message =
    err instanceof CliError
      ? `${err.message}\n\n${USAGE}`
      : (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `port already in use: ${(err as Error).message}`
        : String(err instanceof Error ? err.message : err);
  console.error(`simulators: ${message}`);
  process.exit(err instanceof CliError ? 2 : 1);
});
