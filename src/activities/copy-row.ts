import { nodeHash } from '../domain/sharding';

/** A value in COPY's text format: a backslash, tab or line break would otherwise end or escape the field. */
const copyText = (value: string): string => value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!);
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * One staged row as a line of `COPY load_rows (node_id, endpoint, hash, line)` text. Its own
 * module, free of pg: the parser thread (mapping-parser-thread.ts) writes these lines too.
 */
export const copyRow = (nodeId: string, endpoint: string | null, line: number): string =>
  `${nodeId}\t${endpoint === null ? '\\N' : copyText(endpoint)}\t${nodeHash(nodeId)}\t${line}\n`;
