/**
 * Replays recorded histories of Courier's workflows against the current workflow code, with no
 * server: a change that would make a running workflow non-deterministic fails here, before it
 * lands. The corpus, how it is recorded and why older folders are not replayed: test/replay/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayResult } from '@temporalio/worker';
import { ROOT } from '../../src/stack/paths';
import { HISTORIES_DIR, historyFiles, MANIFEST_FILE, readManifest, RECORD_COMMAND } from '../support/history-recorder';
import { workflowSources } from '../support/workflow-sources';

const FAMILIES = ['serviceWorkflow', 'shardWorkflow', 'shardGroupWorkflow', 'notifierWorkflow', 'fleetWorkflow'];
const files = historyFiles();
const sources = workflowSources();
const familyOf = (file: string) => file.split('--')[0]!;

interface HistoryEvent {
  eventType: string;
  markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> };
}
const eventsOf = (file: string): HistoryEvent[] => (JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as { events: HistoryEvent[] }).events;

describe('replay of recorded workflow histories', () => {
  it('has histories of every workflow family, and the newest recording has one of each', () => {
    expect(new Set(files.map(familyOf))).toEqual(new Set(FAMILIES));
    const newest = readManifest().histories;
    expect(newest.filter((f) => !files.includes(f))).toEqual([]);
    expect(new Set(newest.map(familyOf))).toEqual(new Set(FAMILIES));
  });

  it('was recorded at the workflow code of today', () => {
    const recorded = readManifest().sources;
    const now = Object.fromEntries(sources.map((s) => [s.path, s.hash]));
    const changed = [...new Set([...Object.keys(recorded), ...Object.keys(now)])].filter((path) => recorded[path] !== now[path]).sort();
    if (changed.length > 0) {
      throw new Error(
        `Workflow code changed since the newest recorded histories (${relative(ROOT, MANIFEST_FILE)}): ${changed.join(', ')}.\n` +
          `Record histories of the new code beside the old ones (which must still replay, or be moved aside as test/replay/README.md says):\n  ${RECORD_COMMAND}`,
      );
    }
  });

  it('holds histories that did real work, not a run that had only started', () => {
    // Service and group workflows wait on signals alone; the others also sleep on timers.
    const timed = new Set(['shardWorkflow', 'notifierWorkflow', 'fleetWorkflow']);
    for (const file of files) {
      const types = new Set(eventsOf(file).map((e) => e.eventType));
      const worked = types.has('EVENT_TYPE_ACTIVITY_TASK_COMPLETED') || types.has('EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED');
      const slept = !timed.has(familyOf(file)) || types.has('EVENT_TYPE_TIMER_FIRED');
      expect({ file, worked, slept }).toEqual({ file, worked: true, slept: true });
    }
  });

  it('holds the marker of every patch the workflow code checks, in the newest recording', () => {
    // Today's workflows call no patched(); once one does, a history without its marker proves nothing about the old path.
    const patchIds = [...new Set(sources.flatMap((s) => s.patchIds))];
    const recordedPatches = new Set(readManifest().histories.flatMap((file) => eventsOf(file).flatMap(patchIdsOf)));
    expect(patchIds.filter((id) => !recordedPatches.has(id))).toEqual([]);
  });

  it('replays every history without a non-determinism error', async () => {
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'))),
    }));
    // Bundled in a child process: webpack does not run inside Jest's module registry.
    const codePath = join(mkdtempSync(join(tmpdir(), 'courier-replay-')), 'workflows.js');
    execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'src', 'stack', 'workflow-bundle.ts'), codePath]);
    const results: ReplayResult[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath }, replayName: 'courier-replay' },
      histories,
    )) {
      results.push(result);
    }
    expect(results).toHaveLength(files.length);
    for (const r of results) expect({ workflowId: r.workflowId, error: r.error?.message }).toEqual({ workflowId: r.workflowId, error: undefined });
  }, 60_000);
});

/** The SDK records a patch as a `core_patch` marker whose details hold a JSON payload `{ id, deprecated }`. */
function patchIdsOf(event: HistoryEvent): string[] {
  const marker = event.markerRecordedEventAttributes;
  if (event.eventType !== 'EVENT_TYPE_MARKER_RECORDED' || marker?.markerName !== 'core_patch') return [];
  return Object.values(marker.details ?? {})
    .flatMap((detail) => detail.payloads ?? [])
    .map((p) => (JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8')) as { id?: unknown }).id)
    .filter((id): id is string => typeof id === 'string');
}
