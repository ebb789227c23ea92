/** Contract 4 — what a mapping object may be, and what reading one yields. */

export type MappingFormat = 'auto' | 'lines' | 'csv' | 'ndjson' | 'json';
export type DetectedFormat = Exclude<MappingFormat, 'auto'>;

export interface ParseOptions {
  format: MappingFormat;
  /** Rows that name another service (a `service` column or field) are skipped, not bad. */
  serviceName: string;
}

/**
 * A valid row. `line` is the 1-based line of the object where the row starts, for every format
 * (a JSON array's elements carry the line they start on; bad rows also name their array index).
 */
export interface MappingRow {
  kind: 'row';
  nodeId: string;
  endpoint: string | null;
  line: number;
}

export interface MappingBadRow {
  kind: 'bad';
  line: number;
  reason: string;
}

export interface ParseSummary {
  kind: 'summary';
  format: DetectedFormat;
  /** Valid rows for this service, duplicates included. */
  rows: number;
  badRows: number;
  /** Rows that belong to other services of a shared object. */
  skipped: number;
}

/** The parser yields rows and bad rows as it reads, then exactly one summary, last. */
export type MappingEvent = MappingRow | MappingBadRow | ParseSummary;

/**
 * Nothing legitimate comes near these sizes (ids are at most 253 characters); they bound the
 * memory one row can take when an object is not what its format says (say, a 1 GB single line).
 */
export const MAX_LINE_CHARS = 64 * 1024;
export const MAX_ELEMENT_CHARS = 64 * 1024;
