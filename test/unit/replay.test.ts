/**
 * Replays recorded histories of Courier's workflows against the current workflow code, with no
 * server: a change that would make a running workflow non-deterministic fails here, before it
 * lands. Histories are recorded from real runs by `npm run record-histories`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type ReplayResult } from '@temporalio/worker';

const DIR = join(__dirname, '..', 'replay', 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded workflow histories', () => {
  it('has histories of the service, shard and shard-group workflows', () => {
    const types = files.map((f) => f.split('--')[0]);
    expect(new Set(types)).toEqual(new Set(['serviceWorkflow', 'shardWorkflow', 'shardGroupWorkflow']));
  });

  it('replays every history without a non-determinism error', async () => {
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8'))),
    }));
    const results: ReplayResult[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowsPath: require.resolve('../../src/workflows'), replayName: 'courier-replay' },
      histories,
    )) {
      results.push(result);
    }
    expect(results).toHaveLength(files.length);
    for (const r of results) expect({ workflowId: r.workflowId, error: r.error?.message }).toEqual({ workflowId: r.workflowId, error: undefined });
  }, 120_000);
});
