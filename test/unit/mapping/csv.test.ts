import { ids, parse } from './collect';

describe('mapping parser: CSV', () => {
  it('reads node and endpoint columns in any order, ignoring other columns', async () => {
    const p = await parse('zone,Endpoint,rack,Node\neu,http://n1:8080/m,r1,n1\nus,,r2,n2\n');
    expect(p.rows).toEqual([
      { nodeId: 'n1', endpoint: 'http://n1:8080/m', line: 2 },
      { nodeId: 'n2', endpoint: null, line: 3 },
    ]);
  });

  it('handles quoted fields: commas, doubled quotes, line breaks inside quotes', async () => {
    const text = [
      'node,endpoint,comment',
      '"n1","https://n1/m?a=1,2","says ""hi"""',
      'n2,http://n2/,"two',
      'lines, and a comma"',
      ' "n3" ,,"x"',
      'n4,,',
    ].join('\n');
    const p = await parse(text);
    expect(p.bad).toEqual([]);
    expect(p.rows).toEqual([
      { nodeId: 'n1', endpoint: 'https://n1/m?a=1,2', line: 2 },
      { nodeId: 'n2', endpoint: 'http://n2/', line: 3 },
      { nodeId: 'n3', endpoint: null, line: 5 },
      { nodeId: 'n4', endpoint: null, line: 6 },
    ]);
  });

  it('reports malformed records with their line and reads on', async () => {
    const text = ['node,endpoint', '"n1"x,http://a/', 'n2', ',http://a/', 'n3,ftp://a/', 'n4,not a url', 'ok,http://ok/', '"n5,never closed'].join(
      '\n',
    );
    const p = await parse(text);
    expect(ids(p)).toEqual(['n2', 'ok']);
    expect(p.bad).toEqual([
      { line: 2, reason: "unexpected 'x' after the closing quote of column 1" },
      { line: 4, reason: 'empty node id' },
      { line: 5, reason: "endpoint is not an http(s) URL" },
      { line: 6, reason: "endpoint is not a URL" },
      { line: 8, reason: 'quoted field is never closed (quoted field opened on line 8)' },
    ]);
  });

  it('refuses an endpoint with a control character, which the URL parser would drop silently', async () => {
    const p = await parse('node,endpoint\nn1,"http://n1/a\tb"\nn2,"http://n2/a\nb"\nn3,http://n3/\n');
    expect(ids(p)).toEqual(['n3']);
    expect(p.bad).toEqual([
      { line: 2, reason: 'endpoint has control characters' },
      { line: 3, reason: 'endpoint has control characters' },
    ]);
  });

  it('says which column is missing from a short row', async () => {
    const p = await parse('zone,node\neu\n');
    expect(p.bad).toEqual([{ line: 2, reason: "row has 1 column(s); 'node' is column 2" }]);
  });

  it('keeps only the rows of this service when there is a service column, skipping the others silently', async () => {
    const text = 'service,node,endpoint\npayments,n1,http://n1/\nsearch,n2,http://n2/\npayments,n3,\n,n4,\nsearch,bad id,\n';
    const p = await parse(text, { serviceName: 'payments' });
    expect(ids(p)).toEqual(['n1', 'n3']);
    expect(p.bad).toEqual([]);
    expect(p.summary).toMatchObject({ rows: 2, badRows: 0, skipped: 3 });
  });

  it('gives the same rows whatever the chunk boundaries', async () => {
    const text = '\uFEFFnode,endpoint,note\r\n"n1","http://n1/","a\r\nb"\r\nn2,http://n2/,"é"\r\n';
    const whole = await parse(text);
    expect(ids(whole)).toEqual(['n1', 'n2']);
    for (const chunkSize of [1, 2, 3, 4, 9]) expect(await parse(text, { chunkSize })).toEqual(whole);
  });
});
