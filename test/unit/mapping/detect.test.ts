import { parse } from './collect';

describe('mapping parser: format detection', () => {
  it.each([
    ['lines', '\n node-1 \n'],
    ['csv', 'node,endpoint\nnode-1,http://a\n'],
    ['csv', 'NODE\nnode-1\n'],
    ['csv', 'host,node\nh,node-1\n'],
    ['ndjson', '{"node":"node-1"}\n'],
    ['json', '["node-1"]'],
    ['json', '\uFEFF\n\n  [\n"node-1"\n]'],
    ['ndjson', '\r\n\r\n{"node":"node-1"}'],
  ])('detects %s', async (format, text) => {
    const p = await parse(text);
    expect(p.summary.format).toBe(format);
    expect(p.rows.map((r) => r.nodeId)).toEqual(['node-1']);
    expect(p.bad).toEqual([]);
  });

  it('detects through chunks that split the first line', async () => {
    const p = await parse('\n  node ,endpoint\nnode-1,http://a/\n', { chunkSize: 2 });
    expect(p.summary.format).toBe('csv');
    expect(p.rows).toEqual([{ nodeId: 'node-1', endpoint: 'http://a/', line: 3 }]);
  });

  it('takes a first line with a comma for a CSV header, and says when it has no node column', async () => {
    const p = await parse('host,endpoint\na,http://a\n');
    expect(p.summary).toMatchObject({ format: 'csv', rows: 0, badRows: 1 });
    expect(p.bad).toEqual([{ line: 1, reason: "CSV header has no 'node' column (it has 2)" }]);
  });

  it('uses the declared format instead of detecting', async () => {
    const asLines = await parse('node\nnode-1\n', { format: 'lines' });
    expect(asLines.rows.map((r) => r.nodeId)).toEqual(['node', 'node-1']);
    const asJson = await parse('{"node":"a"}\n', { format: 'json' });
    expect(asJson.bad).toEqual([{ line: 1, reason: "expected '[' to open a JSON array, found '{'" }]);
  });
});
