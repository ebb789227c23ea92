import { atElement, jsonType, type RowSink } from './rows';

/** One `{"node", "endpoint"?, "service"?}` object, from an NDJSON line or a JSON array element. */
export function objectRow(sink: RowSink, value: unknown, line: number, element?: number): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    sink.bad(line, atElement(element, `expected an object with a 'node' field, got ${jsonType(value)}`));
    return;
  }
  const { node, endpoint, service } = value as Record<string, unknown>;
  if (!sink.belongs(service)) return;
  if (node === undefined) {
    sink.bad(line, atElement(element, "object has no 'node' field"));
  } else if (typeof node !== 'string') {
    sink.bad(line, atElement(element, `'node' must be a string, got ${jsonType(node)}`));
  } else if (endpoint !== undefined && endpoint !== null && typeof endpoint !== 'string') {
    sink.bad(line, atElement(element, `'endpoint' must be a string, got ${jsonType(endpoint)}`));
  } else {
    sink.candidate(node, endpoint || null, line, element);
  }
}
