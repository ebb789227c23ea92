import type { DetectedFormat } from './types';
import { MAX_LINE_CHARS } from './types';

/**
 * The format of an object from its first characters, or null while they do not tell yet:
 * `[` opens a JSON array, `{` an NDJSON object; otherwise the first non-blank line is a CSV
 * header when it has a comma (never part of a node id) or is the single column `node`, and a
 * node id of the lines format when not. Past MAX_LINE_CHARS of undecided text it is `lines`,
 * so detection never buffers more than that.
 */
export function detectFormat(prefix: string, complete: boolean): DetectedFormat | null {
  const first = prefix.search(/\S/);
  if (first === -1) return complete || prefix.length > MAX_LINE_CHARS ? 'lines' : null;
  if (prefix[first] === '[') return 'json';
  if (prefix[first] === '{') return 'ndjson';
  const newline = prefix.indexOf('\n', first);
  if (newline === -1 && !complete && prefix.length <= MAX_LINE_CHARS) return null;
  const line = prefix.slice(first, newline === -1 ? undefined : newline).trim();
  if (line.includes(',') || line.replaceAll('"', '').trim().toLowerCase() === 'node') return 'csv';
  return 'lines';
}
