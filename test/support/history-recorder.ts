/**
 * The replay corpus (test/replay/README.md): recorded histories, added beside the older ones and
 * never written over, and the manifest saying which workflow sources the newest ones were
 * recorded at, so test/unit/replay.test.ts can tell when workflow code changed unrecorded.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { ROOT } from '../../src/stack/paths';
import { workflowSources } from './workflow-sources';

export const HISTORIES_DIR = join(ROOT, 'test', 'replay', 'histories');
export const MANIFEST_FILE = join(ROOT, 'test', 'replay', 'manifest.json');
/** How long a recording waits for a workflow's started timer to fire: beyond the fleet's 15 s tick. */
const SLEEP_WAIT_MS = 45_000;
export const RECORD_COMMAND = 'RECORD_HISTORIES=1 bash scripts/on-node.sh npx jest test/integration/engine-fanout';

export interface Manifest {
  recordedAt: string;
  /** The histories of the newest recording, one per workflow family. */
  histories: string[];
  /** Each workflow source file the bundle was made of then, and its hash (test/support/workflow-sources.ts). */
  sources: Record<string, string>;
}

/** History files of the corpus (the folder's own *.json; subfolders are kept, not replayed). */
export function historyFiles(): string[] {
  return readdirSync(HISTORIES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => entry.name)
    .sort();
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as Manifest;
}

/**
 * Records each workflow's history as `<type>--<role>--<date>[.<n>].json`, a new file even when one
 * of that day exists, then writes the manifest for the code they ran.
 */
export async function recordHistories(temporal: Client, workflowIds: string[]): Promise<string[]> {
  const recordedAt = new Date().toISOString();
  const written: string[] = [];
  for (const workflowId of workflowIds) {
    const handle = temporal.workflow.getHandle(workflowId);
    const { type } = await handle.describe();
    written.push(writeNew(`${type}--${roleOf(workflowId)}--${recordedAt.slice(0, 10)}`, historyToJSON(await sleptHistory(handle))));
  }
  const manifest: Manifest = {
    recordedAt,
    histories: written,
    sources: Object.fromEntries(workflowSources().map((s) => [s.path, s.hash])),
  };
  writeFileSync(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
  return written;
}

/**
 * The history once a timer it started has fired (the replay test wants one that slept and woke):
 * a ticker that had just started its first sleep, on a busy machine, is waited for.
 */
async function sleptHistory(handle: WorkflowHandle): Promise<History> {
  const deadline = Date.now() + SLEEP_WAIT_MS;
  for (;;) {
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const waiting = events.some((e) => e.timerStartedEventAttributes) && !events.some((e) => e.timerFiredEventAttributes);
    if (!waiting || Date.now() > deadline) return history;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** `service`, `group-0`, `shard-0` under a service; `notifier`, `fleet` for the per-queue workflows. */
function roleOf(workflowId: string): string {
  return workflowId.startsWith('courier:') ? workflowId.split(':')[1]! : workflowId.split(':').slice(2).join('-') || 'service';
}

/** Writes `<stem>.json`, or `<stem>.2.json` and so on when taken; the `wx` flag refuses to overwrite. */
function writeNew(stem: string, content: string): string {
  const taken = new Set(historyFiles());
  let n = 1;
  while (taken.has(nameFor(stem, n))) n++;
  writeFileSync(join(HISTORIES_DIR, nameFor(stem, n)), content, { flag: 'wx' });
  return nameFor(stem, n);
}

const nameFor = (stem: string, n: number): string => (n === 1 ? `${stem}.json` : `${stem}.${n}.json`);
