import { csvLines } from './csv-format';
import { detectFormat } from './detect';
import { JsonArrayReader } from './json-array';
import { LineSplitter } from './line-splitter';
import { ndjsonLines, plainLines } from './lines-format';
import { RowSink } from './rows';
import type { DetectedFormat, MappingEvent, ParseOptions } from './types';

interface FormatReader {
  push(text: string): void;
  end(): void;
}

function readerFor(format: DetectedFormat, sink: RowSink): FormatReader {
  switch (format) {
    case 'lines':
      return new LineSplitter(plainLines(sink));
    case 'csv':
      return new LineSplitter(csvLines(sink));
    case 'ndjson':
      return new LineSplitter(ndjsonLines(sink));
    case 'json':
      return new JsonArrayReader(sink);
  }
}

/**
 * Reads a mapping object (Contract 4) as it streams in: yields every valid row and every bad
 * row in order, then one summary, the events of each chunk in one array (a yield per row was
 * three quarters of the lines format's parse, bench/micro-parse.ts). Holds at most one chunk's
 * events and one row (or array element) at a time. Bytes that are not UTF-8 become U+FFFD, so the ids containing them are bad rows; a
 * UTF-8 byte order mark is dropped.
 */
export async function* parseMapping(source: AsyncIterable<Uint8Array>, options: ParseOptions): AsyncGenerator<MappingEvent[]> {
  const sink = new RowSink(options.serviceName);
  const decoder = new TextDecoder('utf-8');
  let format: DetectedFormat | null = options.format === 'auto' ? null : options.format;
  let reader = format === null ? null : readerFor(format, sink);
  let undetected = '';

  const feed = (text: string, complete: boolean) => {
    if (reader === null) {
      undetected += text;
      format = detectFormat(undetected, complete);
      if (format === null) return;
      reader = readerFor(format, sink);
      text = undetected;
      undetected = '';
    }
    reader.push(text);
  };

  for await (const chunk of source) {
    feed(decoder.decode(chunk, { stream: true }), false);
    const events = sink.drain();
    if (events.length > 0) yield events;
  }
  feed(decoder.decode(), true);
  reader!.end();
  yield [...sink.drain(), { kind: 'summary', format: format!, rows: sink.rows, badRows: sink.badRows, skipped: sink.skipped }];
}
