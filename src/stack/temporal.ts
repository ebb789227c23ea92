import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { SEARCH_ATTRIBUTE_FLAGS } from '../workflows/search-attributes';
import { StackError } from './errors';
import type { Output } from './output';
import type { Supervisor } from './processes';
import { toolPath } from './tools';
import { portIsOpen, waitUntil } from './wait';

const NAMESPACE = 'default';
const START_TIMEOUT_MS = 90_000;

export interface TemporalOptions {
  supervisor: Supervisor;
  output: Output;
  dataDir: string;
  port: number;
  /** Web UI port; none runs the server headless. */
  uiPort?: number;
  /** Start from an empty database (tests). */
  fresh: boolean;
}

/**
 * The Temporal dev server (one binary, SQLite-backed) with Courier's search attributes, the
 * SQLite settings that make it fast enough for dev and tests, and the new matcher with fairness
 * on. A server already answering on the port is reused when it has Courier's search attributes.
 */
export async function startTemporal(options: TemporalOptions): Promise<string> {
  const { port, output } = options;
  const address = `127.0.0.1:${port}`;
  if (await portIsOpen(port)) {
    await checkTemporal(address).catch((err: Error) => {
      throw new StackError(`Port ${port} is taken by something that is not a usable Temporal server: ${err.message}`);
    });
    output.info(`temporal: reusing the server on ${address}`);
    return address;
  }

  const dbFile = join(options.dataDir, 'temporal.db');
  if (options.fresh) for (const suffix of ['', '-wal', '-shm']) rmSync(dbFile + suffix, { force: true });
  const server = options.supervisor.start({
    name: 'temporal',
    command: toolPath('temporal'),
    args: startDevArgs(dbFile, port, options.uiPort),
  });
  await waitUntil(`the Temporal server on ${address}`, () => checkTemporal(address).then(() => true), {
    timeoutMs: START_TIMEOUT_MS,
    process: server,
    everyMs: 500,
  });
  output.info(`temporal: ready on ${address}${options.uiPort ? `, Web UI on port ${options.uiPort}` : ''}`);
  return address;
}

function startDevArgs(dbFile: string, port: number, uiPort: number | undefined): string[] {
  return [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    ...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']),
    '--db-filename', dbFile,
    '--namespace', NAMESPACE,
    ...SEARCH_ATTRIBUTE_FLAGS.flatMap((flag) => ['--search-attribute', flag]),
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=OFF',
    '--dynamic-config-value', 'matching.useNewMatcher=true',
    '--dynamic-config-value', 'matching.enableFairness=true',
    // Fairness orders tasks within one partition, and a poll picks a partition at random: with the
    // default 4, a new customer's task waited behind a random share of another's backlog
    // (docs/performance.md §8). One server needs no more than one partition.
    '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
    // A workflow task that schedules an activity gets it back in its answer when the worker has a
    // free slot: a mapping load or a delivery run skips a round through matching (off by default).
    '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
    // Warnings are mostly transient connection noise while the server starts and stops.
    '--log-level', 'error',
  ];
}

/** The namespace answers and Courier's search attributes are registered on it. */
export async function checkTemporal(address: string, namespace = NAMESPACE): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTE_FLAGS.filter((flag) => !(flag.split('=')[0]! in customAttributes));
    if (missing.length > 0) {
      const how = missing.map((flag) => {
        const [name, type] = flag.split('=');
        return `temporal operator search-attribute create --address ${address} --namespace ${namespace} --name ${name} --type ${type}`;
      });
      throw new StackError(`The Temporal server on ${address} lacks Courier's search attributes; add them with:\n  ${how.join('\n  ')}`);
    }
  } finally {
    await connection.close();
  }
}

/**
 * Registers Courier's search attributes where they are missing, on a server other than the dev
 * server (which takes them as flags): a deployment's Temporal.
 */
export async function registerSearchAttributes(address: string, namespace: string): Promise<string[]> {
  const connection = await Connection.connect({ address, connectTimeout: 5000 });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTE_FLAGS.map((flag) => flag.split('=') as [string, string]).filter(([name]) => !(name in customAttributes));
    if (missing.length > 0) {
      const searchAttributes = Object.fromEntries(
        // `KeywordList` in the flags is `KEYWORD_LIST` in the API.
        missing.map(([name, type]) => [name, encodeSearchAttributeIndexedValueType(type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase() as 'KEYWORD')!]),
      );
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
    }
    return missing.map(([name]) => name);
  } finally {
    await connection.close();
  }
}
