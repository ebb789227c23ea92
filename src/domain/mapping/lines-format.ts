import type { LineHandler } from './line-splitter';
import { objectRow } from './object-row';
import type { RowSink } from './rows';
import { MAX_LINE_CHARS } from './types';

const tooLongReason = `line is longer than ${MAX_LINE_CHARS} characters`;

/** `lines`: one node id per line; surrounding whitespace is not part of an id. */
export function plainLines(sink: RowSink): LineHandler {
  return {
    line(text, lineNumber) {
      const nodeId = text.trim();
      if (nodeId.length > 0) sink.candidate(nodeId, null, lineNumber);
    },
    tooLong: (lineNumber) => sink.bad(lineNumber, tooLongReason),
  };
}

/** `ndjson`: one `{"node", "endpoint"?, "service"?}` object per line. */
export function ndjsonLines(sink: RowSink): LineHandler {
  return {
    line(text, lineNumber) {
      if (text.trim().length === 0) return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        sink.bad(lineNumber, `invalid JSON: ${(err as Error).message}`);
        return;
      }
      objectRow(sink, value, lineNumber);
    },
    tooLong: (lineNumber) => sink.bad(lineNumber, tooLongReason),
  };
}
