import type { ServiceDetail } from '../../../src/api/schemas';
import { isAllFresh, watchView } from '../../../src/cli/commands/watch';
import { alignRows, problemLines, progressBar, relative } from '../../../src/cli/output';

const now = Date.parse('2030-01-01T12:00:00.000Z');

const detail = (over: { nodes?: Partial<ServiceDetail['nodes']>; mapping?: Partial<ServiceDetail['mapping']> } = {}): ServiceDetail => ({
  id: '6f1c3c1e-2b1a-4f7e-9a43-0c6a3e0f5b11',
  name: 'payments-api',
  status: 'active',
  metadata: { url: 'http://meta/' },
  ttlSeconds: 3600,
  refreshBeforeSeconds: 1200,
  delivery: { endpoint: 'http://{node}/', timeoutMs: 5000 },
  notifications: null,
  createdAt: '2030-01-01T11:00:00.000Z',
  updatedAt: '2030-01-01T11:00:00.000Z',
  links: {},
  state: 'active',
  statusSource: 'workflow',
  mapping: {
    uri: 's3://b/k',
    format: 'auto',
    etag: '"e1"',
    nodeCount: 4,
    loadedAt: '2030-01-01T11:59:00.000Z',
    badRows: 0,
    badRowSamples: [],
    error: null,
    held: null,
    ...over.mapping,
  },
  nodes: { total: 4, fresh: 4, pending: 0, failing: 0, expired: 0, ...over.nodes },
  nextRefreshAt: '2030-01-01T12:00:45.000Z',
  lastCycleAt: '2030-01-01T11:57:00.000Z',
});

describe('CLI output', () => {
  test('tables align every column to its widest cell', () => {
    expect(alignRows([['ID', 'NAME'], ['1', 'payments-api'], ['22', 'x']])).toEqual(['ID  NAME', '1   payments-api', '22  x']);
  });

  test('times are relative to now, in the largest fitting unit', () => {
    expect(relative('2030-01-01T12:00:45.000Z', now)).toBe('in 45 s');
    expect(relative('2030-01-01T11:57:00.000Z', now)).toBe('3 min ago');
    expect(relative('2030-01-01T15:00:00.000Z', now)).toBe('in 3 h');
    expect(relative(null, now)).toBe('-');
  });

  test('progress bars fill by fraction and survive an empty total', () => {
    expect(progressBar(1, 4, 8)).toBe('[##......]  25%');
    expect(progressBar(0, 0, 4)).toBe('[....]   0%');
    expect(progressBar(5, 4, 4)).toBe('[####] 100%');
  });

  test('problems read one line per field, named the way the command took them', () => {
    const problem = {
      type: 'urn:courier:problem:validation',
      title: 'Invalid request',
      status: 400,
      detail: 'The request is invalid; see errors for each field.',
      errors: [
        { in: 'body' as const, path: 'mapping.uri', message: 'must be an s3://bucket/key URI' },
        { in: 'query' as const, path: 'limit', message: 'must be an integer from 1 to 100' },
      ],
    };
    const flags: Record<string, string> = { 'mapping.uri': '--mapping' };
    expect(problemLines(400, problem, (location, path) => flags[path] ?? `${location} ${path}`)).toEqual([
      'courier: Invalid request: The request is invalid; see errors for each field.',
      '  --mapping: must be an s3://bucket/key URI',
      '  query limit: must be an integer from 1 to 100',
    ]);
    expect(problemLines(502, undefined, () => '')).toEqual(['courier: the API answered HTTP 502 without a problem description']);
  });
});

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

  test('the live view shows mapping and delivery progress, counts and the next refresh in under 80 columns', () => {
    const lines = watchView(detail({ nodes: { fresh: 1, pending: 2, failing: 1 } }), now);
    expect(lines).toEqual([
      'payments-api  6f1c3c1e-2b1a-4f7e-9a43-0c6a3e0f5b11',
      'state     active',
      `mapping   [${'#'.repeat(30)}] 100%  4 nodes, 0 bad rows`,
      `delivery  [${'#'.repeat(8)}${'.'.repeat(22)}]  25%  1/4 fresh`,
      'nodes     fresh 1  pending 2  failing 1  expired 0',
      'refresh   next in 45 s, last cycle 3 min ago',
    ]);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(80);
    expect(watchView(detail({ mapping: { loadedAt: null, error: 'NoSuchKey' } }), now)).toContain('mapping error: NoSuchKey');
  });
});
