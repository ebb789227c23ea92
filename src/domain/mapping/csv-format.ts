import { CsvRecords, type CsvRecord } from './csv-records';
import type { LineHandler } from './line-splitter';
import type { RowSink } from './rows';

interface Columns {
  node: number;
  endpoint: number;
  service: number;
}

/** Column names are matched case-insensitively; other columns are ignored. */
function columnsOf(header: string[]): Columns {
  const names = header.map((name) => name.trim().toLowerCase());
  return { node: names.indexOf('node'), endpoint: names.indexOf('endpoint'), service: names.indexOf('service') };
}

const cell = (fields: string[], index: number) => (index < 0 ? undefined : fields[index]?.trim());

/**
 * `csv`: a header naming a `node` column (and optionally `endpoint`, `service`), then one row per
 * node. Without a `node` column no row can be read: one bad row for the header, the rest ignored.
 */
export function csvLines(sink: RowSink): LineHandler {
  const records = new CsvRecords();
  let columns: Columns | null = null;
  let unreadable = false;

  const onHeader = (record: CsvRecord) => {
    if ('error' in record) {
      sink.bad(record.line, `CSV header: ${record.error}`);
      unreadable = true;
      return;
    }
    columns = columnsOf(record.fields);
    if (columns.node < 0) {
      sink.bad(record.line, `CSV header has no 'node' column (it has ${record.fields.length})`);
      unreadable = true;
    }
  };

  const onRow = (record: CsvRecord, c: Columns) => {
    if ('error' in record) {
      sink.bad(record.line, record.error);
      return;
    }
    const fields = record.fields;
    if (c.service >= 0 && !sink.belongs(cell(fields, c.service) ?? '')) return;
    const nodeId = cell(fields, c.node);
    if (nodeId === undefined) {
      sink.bad(record.line, `row has ${record.fields.length} column(s); 'node' is column ${c.node + 1}`);
      return;
    }
    sink.candidate(nodeId, cell(fields, c.endpoint) || null, record.line);
  };

  const onRecord = (record: CsvRecord | null) => {
    if (record === null || unreadable) return;
    if (columns === null) onHeader(record);
    else onRow(record, columns);
  };

  return {
    line(text, lineNumber) {
      if (unreadable || (!records.open && text.trim().length === 0)) return;
      onRecord(records.line(text, lineNumber));
    },
    tooLong: (lineNumber) => onRecord(records.tooLong(lineNumber)),
    end: () => onRecord(records.end()),
  };
}
