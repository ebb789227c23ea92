import { MAX_LINE_CHARS } from '../../../src/domain/mapping/types';
import { ids, parse } from './collect';

describe('mapping parser: lines format', () => {
  it('reads one node id per line with line numbers, skipping blank lines', async () => {
    const p = await parse('node-1\n\nnode-2\n   \nnode-3');
    expect(p.rows).toEqual([
      { nodeId: 'node-1', endpoint: null, line: 1 },
      { nodeId: 'node-2', endpoint: null, line: 3 },
      { nodeId: 'node-3', endpoint: null, line: 5 },
    ]);
    expect(p.summary).toEqual({ kind: 'summary', format: 'lines', rows: 3, badRows: 0, skipped: 0 });
  });

  it('ignores a UTF-8 byte order mark, CRLF line ends and surrounding whitespace', async () => {
    const p = await parse('\uFEFFnode-1\r\n node-2 \r\nnode-3\r\n');
    expect(ids(p)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(p.bad).toEqual([]);
  });

  it('reports bad node ids with their line and the reason, and keeps the good rows', async () => {
    const p = await parse(`ok-1\na b\n${'x'.repeat(254)}\nip-10.0.0.1:8080\nnœud\n`);
    expect(ids(p)).toEqual(['ok-1', 'ip-10.0.0.1:8080']);
    expect(p.bad).toEqual([
      { line: 2, reason: "node id has characters outside [A-Za-z0-9._:-]" },
      { line: 3, reason: expect.stringMatching(/^node id is 254 characters long \(at most 253\)$/) },
      { line: 5, reason: "node id has characters outside [A-Za-z0-9._:-]" },
    ]);
    expect(p.summary).toMatchObject({ rows: 2, badRows: 3 });
  });

  it('accepts a 253-character id', async () => {
    expect(ids(await parse('a'.repeat(253)))).toEqual(['a'.repeat(253)]);
  });

  it('yields duplicates as they come: the load collapses them', async () => {
    expect(ids(await parse('a\nb\na\n'))).toEqual(['a', 'b', 'a']);
  });

  it('gives the same rows whatever the chunk boundaries, CRLF and multi-byte characters included', async () => {
    const text = '\uFEFFnode-1\r\nnœud\r\nnode-2\r\n\r\nnode-3';
    const whole = await parse(text);
    for (const chunkSize of [1, 2, 3, 5, 7]) expect(await parse(text, { chunkSize })).toEqual(whole);
  });

  it('drops a line too long to be a row without holding it, and reads on', async () => {
    const p = await parse(`a\n${'y'.repeat(MAX_LINE_CHARS + 10)}\nb\n`, { chunkSize: 1000 });
    expect(ids(p)).toEqual(['a', 'b']);
    expect(p.bad).toEqual([{ line: 2, reason: `line is longer than ${MAX_LINE_CHARS} characters` }]);
  });

  it('reads an empty object as zero rows', async () => {
    expect((await parse('')).summary).toEqual({ kind: 'summary', format: 'lines', rows: 0, badRows: 0, skipped: 0 });
    expect((await parse('\n\n  \n')).summary).toMatchObject({ rows: 0, badRows: 0 });
  });
});
