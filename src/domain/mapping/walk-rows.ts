import type { MappingEvent, ParseSummary } from './types';

/** How far a parse has got: valid rows and bad rows so far. */
export interface RowCounts {
  rowsRead: number;
  badRows: number;
}

export interface RowSink {
  /** A valid row. A promise it returns is awaited before the next row: the sink can hold the parse back. */
  row(nodeId: string, endpoint: string | null, line: number): void | Promise<void>;
  /** One of the first `badRowSamples` bad rows; the rest are only counted. */
  badSample(line: number, reason: string): void;
}

/**
 * Takes a parse's events into a sink, counting them in `counts` as it goes (the caller reports
 * them as progress). 'overQuota' as soon as a row arrives past `maxRows`, valid and bad rows
 * together; else the parse's summary. One walk for every place a mapping is staged, in the
 * worker's thread or the parser's, so the quota and the samples are the same everywhere.
 */
export async function walkRows(
  batches: AsyncIterable<MappingEvent[]>,
  limits: { maxRows: number; badRowSamples: number },
  counts: RowCounts,
  sink: RowSink,
): Promise<ParseSummary | 'overQuota'> {
  for await (const events of batches) {
    for (const event of events) {
      if (event.kind === 'summary') return event;
      if (counts.rowsRead + counts.badRows >= limits.maxRows) return 'overQuota';
      if (event.kind === 'row') {
        counts.rowsRead++;
        const held = sink.row(event.nodeId, event.endpoint, event.line);
        if (held) await held;
      } else {
        counts.badRows++;
        if (counts.badRows <= limits.badRowSamples) sink.badSample(event.line, event.reason);
      }
    }
  }
  throw new Error('mapping parser ended without a summary');
}
