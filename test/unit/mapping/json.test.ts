import { MAX_ELEMENT_CHARS } from '../../../src/domain/mapping/types';
import { ids, parse } from './collect';

describe('mapping parser: JSON array', () => {
  it('reads an array of ids, of objects, or of both, with the line each element starts on', async () => {
    const text = '[\n  "n1",\n  {"node": "n2", "endpoint": "https://n2/m"},\n  {\n    "node": "n3"\n  }\n]\n';
    const p = await parse(text);
    expect(p.rows).toEqual([
      { nodeId: 'n1', endpoint: null, line: 2 },
      { nodeId: 'n2', endpoint: 'https://n2/m', line: 3 },
      { nodeId: 'n3', endpoint: null, line: 4 },
    ]);
    expect(p.summary).toMatchObject({ format: 'json', rows: 3, badRows: 0 });
  });

  it('reads strings holding brackets, braces, commas and escaped quotes without losing its place', async () => {
    const text = '[{"node":"n1","note":"]},[{\\"\\\\"},"n2",{"node":"n3","x":[1,{"y":"]"}]}]';
    expect(ids(await parse(text))).toEqual(['n1', 'n2', 'n3']);
  });

  it('finds the same elements however the strings and their escapes are cut into chunks', async () => {
    const text = '[{"node":"n1","note":"a\\\\\\"b\\\\"},"n\\u0032",{"x":"\\\\","node":"n3"},"n4"]';
    for (let chunkSize = 1; chunkSize <= text.length; chunkSize++) {
      expect(ids(await parse(text, { chunkSize }))).toEqual(['n1', 'n2', 'n3', 'n4']);
    }
  });

  it('counts the lines inside a string it steps over, so the rows after keep their line', async () => {
    const pad = `${'p'.repeat(MAX_ELEMENT_CHARS)}\n${'p'.repeat(10)}\n`;
    const p = await parse(`[\n"n1",\n{"node":"n2","pad":"${pad}"},\n"n3"\n]`, { chunkSize: 4096 });
    expect(p.rows).toEqual([
      { nodeId: 'n1', endpoint: null, line: 2 },
      { nodeId: 'n3', endpoint: null, line: 6 },
    ]);
    expect(p.bad).toEqual([{ line: 3, reason: `array index 1: element is longer than ${MAX_ELEMENT_CHARS} characters` }]);
  });

  it('names the array index of a bad element and reads on', async () => {
    const p = await parse('["n1", 42, null, ["n2"], {"node":"a b"}, {"endpoint":"http://x/"}, true, "n3"]');
    expect(ids(p)).toEqual(['n1', 'n3']);
    expect(p.bad).toEqual([
      { line: 1, reason: 'array index 1: expected a node id string or an object, got number' },
      { line: 1, reason: 'array index 2: expected a node id string or an object, got null' },
      { line: 1, reason: 'array index 3: expected a node id string or an object, got array' },
      { line: 1, reason: "array index 4: node id has characters outside [A-Za-z0-9._:-]" },
      { line: 1, reason: "array index 5: object has no 'node' field" },
      { line: 1, reason: 'array index 6: expected a node id string or an object, got boolean' },
    ]);
  });

  it('keeps only the objects naming this service when they name one', async () => {
    const p = await parse('[{"node":"n1","service":"a"},{"node":"n2","service":"b"},"n3"]', { serviceName: 'a' });
    expect(ids(p)).toEqual(['n1', 'n3']);
    expect(p.summary.skipped).toBe(1);
  });

  it.each([
    ['a truncated document', '["n1", "n2", {"node": "n3"', 'the JSON array is never closed: the object ends after 2 element(s)'],
    ['a cut after a comma', '["n1", "n2",', 'the JSON array is never closed: the object ends after 2 element(s)'],
    ['a syntax error in an element', '["n1", "n2", {"node": n3}, "n4"]', /^array index 2: invalid JSON: /],
    ['a missing comma', '["n1", "n2" "n3"]', "expected ',' or ']' after array index 1, found '\"'"],
    ['a trailing comma', '["n1", "n2",]', "trailing ',' after array index 1"],
    ['content after the array', '["n1", "n2"] ["n3"]', "unexpected '[' after the JSON array's closing ']'"],
    ['a bad literal', '["n1", "n2", nul, "n3"]', /^array index 2: invalid JSON: /],
  ])('yields what was valid before %s, and one bad row for the break', async (_name, text, reason) => {
    const p = await parse(text);
    expect(ids(p)).toEqual(['n1', 'n2']);
    expect(p.bad).toHaveLength(1);
    expect(p.bad[0]!.reason).toEqual(typeof reason === 'string' ? reason : expect.stringMatching(reason));
  });

  it('reads an empty array as zero rows', async () => {
    expect((await parse(' [ ] ')).summary).toMatchObject({ format: 'json', rows: 0, badRows: 0 });
  });

  it('reports an element too large to hold without holding it, and reads on', async () => {
    const big = `{"node":"n2","pad":"${'p'.repeat(MAX_ELEMENT_CHARS)}"}`;
    const p = await parse(`["n1",${big},"n3"]`, { chunkSize: 4096 });
    expect(ids(p)).toEqual(['n1', 'n3']);
    expect(p.bad).toEqual([{ line: 1, reason: `array index 1: element is longer than ${MAX_ELEMENT_CHARS} characters` }]);
  });

  it('streams a 200k-element array on one line, cut into chunks at awkward places', async () => {
    const n = 200_000;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(i % 3 === 0 ? `"n${i}"` : `{"node":"n${i}","endpoint":"http://h${i}:80/x\\"y"}`);
    const bytes = new TextEncoder().encode(`[${parts.join(',')}]`);
    let seed = 7;
    const awkward = () => (seed = (seed * 48271) % 2147483647) % 97; // 1..96-byte chunks (0 becomes 1)
    const p = await parse(bytes, { chunkSize: awkward });
    expect(p.bad).toEqual([]);
    expect(p.summary).toMatchObject({ format: 'json', rows: n, badRows: 0 });
    expect(p.rows[n - 1]).toEqual({ nodeId: `n${n - 1}`, endpoint: `http://h${n - 1}:80/x"y`, line: 1 });
  });
});
