import { parseMapping, walkRows, type RowCounts } from '../../../src/domain/mapping';

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

const events = (text: string) => parseMapping(once(text), { format: 'csv', serviceName: 'svc' });

describe('walkRows', () => {
  it('hands every valid row to the sink, samples the first bad rows and counts the rest', async () => {
    const rows: string[] = [];
    const samples: number[] = [];
    const counts: RowCounts = { rowsRead: 0, badRows: 0 };
    const csv = ['node,endpoint', 'a,http://a/m', 'bad id!,http://x/m', 'b,', 'c d,', 'e f,', 'c,http://c/m'].join('\n');

    const walked = await walkRows(events(csv), { maxRows: 100, badRowSamples: 2 }, counts, {
      row: (nodeId) => void rows.push(nodeId),
      badSample: (line) => void samples.push(line),
    });

    expect(walked).toMatchObject({ kind: 'summary', rows: 3, badRows: 3 });
    expect(rows).toEqual(['a', 'b', 'c']);
    expect(samples).toEqual([3, 5]);
    expect(counts).toEqual({ rowsRead: 3, badRows: 3 });
  });

  it('stops at the row past the quota, valid and bad rows together', async () => {
    const rows: string[] = [];
    const counts: RowCounts = { rowsRead: 0, badRows: 0 };
    const csv = ['node,endpoint', 'a,', 'bad id!,', 'b,', 'c,'].join('\n');

    const walked = await walkRows(events(csv), { maxRows: 3, badRowSamples: 10 }, counts, {
      row: (nodeId) => void rows.push(nodeId),
      badSample: () => undefined,
    });

    expect(walked).toBe('overQuota');
    expect(rows).toEqual(['a', 'b']);
    expect(counts).toEqual({ rowsRead: 2, badRows: 1 });
  });

  it('waits for a sink that holds the parse back before the next row', async () => {
    const order: string[] = [];
    const counts: RowCounts = { rowsRead: 0, badRows: 0 };

    await walkRows(events('node\na\nb\n'), { maxRows: 10, badRowSamples: 0 }, counts, {
      row: async (nodeId) => {
        order.push(`start ${nodeId}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(`end ${nodeId}`);
      },
      badSample: () => undefined,
    });

    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
  });
});
