/**
 * The mappings the benches generate: node i of N in each format, the same ids and endpoints in
 * all of them, so the formats compare like for like. `generation` renames 1% of the nodes (a
 * reload's change). The lines format has no endpoints.
 */
export const FORMATS = ['csv', 'ndjson', 'lines', 'json'] as const;
export type Format = (typeof FORMATS)[number];

function mappingLine(format: Format, i: number, generation: number, last: boolean): string {
  const id = generation > 0 && i % 100 === 0 ? `node-${i}-g${generation}.bench.internal` : `node-${i}.bench.internal`;
  const endpoint = `http://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080/metadata`;
  switch (format) {
    case 'csv':
      return `${id},${endpoint}\n`;
    case 'lines':
      return `${id}\n`;
    case 'ndjson':
      return `${JSON.stringify({ node: id, endpoint })}\n`;
    case 'json':
      return `${JSON.stringify({ node: id, endpoint })}${last ? '' : ','}\n`;
  }
}

const OPENING: Record<Format, string> = { csv: 'node,endpoint\n', ndjson: '', lines: '', json: '[\n' };
const CLOSING: Record<Format, string> = { csv: '', ndjson: '', lines: '', json: ']\n' };

/** The object in chunks of 10,000 rows. */
export function* mappingChunks(format: Format, rows: number, generation: number): Generator<Buffer> {
  yield Buffer.from(OPENING[format]);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    lines.push(mappingLine(format, i, generation, i === rows - 1));
    if (lines.length === 10_000 || i === rows - 1) {
      yield Buffer.from(lines.join(''));
      lines.length = 0;
    }
  }
  yield Buffer.from(CLOSING[format]);
}
