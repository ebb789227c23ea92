/**
 * Replays recorded histories of Courier's workflows against the current workflow code, with no
 * server: a change that would make a running workflow non-deterministic fails here, before it
 * lands. Histories are recorded from real runs: `RECORD_HISTORIES=1 npx jest test/integration/engine-fanout`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayResult } from '@temporalio/worker';

const DIR = join(__dirname, '..', 'replay', 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded workflow histories', () => {
  it('has histories of every workflow family', () => {
    const types = files.map((f) => f.split('--')[0]);
    expect(new Set(types)).toEqual(new Set(['serviceWorkflow', 'shardWorkflow', 'shardGroupWorkflow', 'notifierWorkflow', 'fleetWorkflow']));
  });

  it('holds histories that did real work, not a run that had only started', () => {
    // Service and group workflows wait on signals alone; the others also sleep on timers.
    const timed = new Set(['shardWorkflow', 'notifierWorkflow', 'fleetWorkflow']);
    for (const file of files) {
      const events = (JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { events: { eventType: string }[] }).events;
      const types = new Set(events.map((e) => e.eventType));
      const worked = types.has('EVENT_TYPE_ACTIVITY_TASK_COMPLETED') || types.has('EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED');
      const slept = !timed.has(file.split('--')[0]!) || types.has('EVENT_TYPE_TIMER_FIRED');
      expect({ file, worked, slept }).toEqual({ file, worked: true, slept: true });
    }
  });

  it('replays every history without a non-determinism error', async () => {
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8'))),
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
