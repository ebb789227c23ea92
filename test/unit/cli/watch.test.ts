import type { ServerResponse } from 'node:http';
import { isAllFresh, watchView } from '../../../src/cli/commands/watch';
import { runCli } from '../../../src/cli/run';
import { serve } from './loopback';
import { detail, now } from './service-detail';

describe('watch', () => {
  test('all fresh only once the mapping is loaded and the counts caught up with it', () => {
    expect(isAllFresh(detail())).toBe(true);
    expect(isAllFresh(detail({ nodes: { fresh: 3, pending: 1 } }))).toBe(false);
    expect(isAllFresh(detail({ mapping: { loadedAt: null, nodeCount: null }, nodes: { total: 0, fresh: 0 } }))).toBe(false);
    // Shards have not reported yet: zero of zero is not "every node".
    expect(isAllFresh(detail({ nodes: { total: 0, fresh: 0 } }))).toBe(false);
    // A forced node outside the mapping counts too.
    expect(isAllFresh(detail({ nodes: { total: 5, fresh: 5 } }))).toBe(true);
  });

  test('the live view shows mapping and delivery progress, counts and the next due time in under 80 columns', () => {
    const lines = watchView(detail({ nodes: { fresh: 1, pending: 2, failing: 1 } }), now);
    expect(lines).toEqual([
      'payments-api  6f1c3c1e-2b1a-4f7e-9a43-0c6a3e0f5b11',
      'state     active',
      `mapping   [${'#'.repeat(30)}] 100%  4 nodes, 0 bad rows`,
      `delivery  [${'#'.repeat(8)}${'.'.repeat(22)}]  25%  1/4 fresh`,
      'nodes     fresh 1  pending 2  failing 1  expired 0',
      'refresh   next due in 45 s, last cycle 3 min ago',
    ]);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(80);
    expect(watchView(detail({ mapping: { loadedAt: null, error: 'NoSuchKey' } }), now)).toContain('mapping error: NoSuchKey');
  });
});

test('on a terminal, watch redraws its view in place and stops once every node is fresh', async () => {
  const answer = (body: object) => (_req: unknown, res: ServerResponse) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = await serve([answer(detail({ nodes: { fresh: 1, pending: 3 } })), answer(detail())]);
  let stdout = '';
  let stderr = '';
  const io = { stdout: { isTTY: true, write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  try {
    const code = await runCli(['watch', detail().id, '--until-fresh', '--interval', '1', '--url', server.url, '--key', 'k'], {}, io);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  } finally {
    await server.close();
  }
  const [first, second] = stdout.split('\x1b[6A\x1b[J');
  expect(first).toContain('1/4 fresh');
  expect(second).toContain('4/4 fresh');
  expect(second).toMatch(/Every node holds a fresh copy\.\n$/);
});
