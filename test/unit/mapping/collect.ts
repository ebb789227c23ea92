import { parseMapping, type MappingBadRow, type MappingFormat, type MappingRow, type ParseSummary } from '../../../src/domain/mapping';

export interface Parsed {
  rows: Array<Omit<MappingRow, 'kind'>>;
  bad: Array<Omit<MappingBadRow, 'kind'>>;
  summary: ParseSummary;
}

async function* chunksOf(bytes: Uint8Array, size: number | (() => number)): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; ) {
    const n = Math.max(1, typeof size === 'number' ? size : size());
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

/** Parses `input` fed in chunks of `chunkSize` bytes (all at once by default). */
export async function parse(
  input: string | Uint8Array,
  options: { format?: MappingFormat; serviceName?: string; chunkSize?: number | (() => number) } = {},
): Promise<Parsed> {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const source = chunksOf(bytes, options.chunkSize ?? Math.max(1, bytes.length));
  const parsed: Partial<Parsed> & Pick<Parsed, 'rows' | 'bad'> = { rows: [], bad: [] };
  for await (const events of parseMapping(source, { format: options.format ?? 'auto', serviceName: options.serviceName ?? 'svc' })) {
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(parsed.summary).toBeUndefined();
      if (event.kind === 'row') parsed.rows.push({ nodeId: event.nodeId, endpoint: event.endpoint, line: event.line });
      else if (event.kind === 'bad') parsed.bad.push({ line: event.line, reason: event.reason });
      else parsed.summary = event;
    }
  }
  if (!parsed.summary) throw new Error('the parser yielded no summary');
  return parsed as Parsed;
}

export const ids = (p: Parsed) => p.rows.map((r) => r.nodeId);
