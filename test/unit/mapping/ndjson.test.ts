import { ids, parse } from './collect';

describe('mapping parser: NDJSON', () => {
  it('reads one object per line, endpoint optional', async () => {
    const p = await parse('{"node":"n1","endpoint":"http://n1/"}\n\n{"node":"n2","zone":"eu"}\r\n{"node":"n3","endpoint":null}');
    expect(p.rows).toEqual([
      { nodeId: 'n1', endpoint: 'http://n1/', line: 1 },
      { nodeId: 'n2', endpoint: null, line: 3 },
      { nodeId: 'n3', endpoint: null, line: 4 },
    ]);
    expect(p.summary).toMatchObject({ format: 'ndjson', rows: 3, badRows: 0 });
  });

  it('reports each bad line with a specific reason and reads on', async () => {
    const p = await parse(
      [
        '{"node":"n1"}',
        '{"node":"n2"',
        '"n3"',
        '{"endpoint":"http://x/"}',
        '{"node":7}',
        '{"node":"n4","endpoint":5}',
        '{"node":"n 5"}',
        '{"node":"n6"}',
      ].join('\n'),
    );
    expect(ids(p)).toEqual(['n1', 'n6']);
    expect(p.bad.map((b) => b.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(p.bad[0]!.reason).toMatch(/^invalid JSON: /);
    expect(p.bad.slice(1).map((b) => b.reason)).toEqual([
      "expected an object with a 'node' field, got string",
      "object has no 'node' field",
      "'node' must be a string, got number",
      "'endpoint' must be a string, got number",
      "node id has characters outside [A-Za-z0-9._:-]",
    ]);
  });

  it('keeps only the rows naming this service when rows name one', async () => {
    const text = '{"node":"n1","service":"payments"}\n{"node":"n2","service":"search"}\n{"node":"n3"}\n{"node":"bad id","service":"search"}\n';
    const p = await parse(text, { serviceName: 'payments' });
    expect(ids(p)).toEqual(['n1', 'n3']);
    expect(p.summary).toMatchObject({ rows: 2, badRows: 0, skipped: 2 });
  });

  it('decodes multi-byte characters split between chunks', async () => {
    const text = '{"node":"n1","note":"ünïcödé"}\n{"node":"n2","endpoint":"http://exämple.com/"}\n';
    for (const chunkSize of [1, 2, 3]) {
      const p = await parse(text, { chunkSize });
      expect(p.bad).toEqual([]);
      expect(p.rows.map((r) => r.endpoint)).toEqual([null, 'http://exämple.com/']);
    }
  });
});
