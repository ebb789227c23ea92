import { checkHttpUrl, isPlainHttpUrl } from '../http-url';
import { NODE_ID_PATTERN } from '../node-id';
import type { MappingEvent } from './types';

/**
 * A syntax character quoted for a bad-row reason. Reasons never quote a row's values: they are
 * kept in status and alerts, and a line number says where to look without repeating the object.
 */
export const shown = (char: string): string => `'${char}'`;

function nodeIdProblem(nodeId: string): string | null {
  if (nodeId.length === 0) return 'empty node id';
  if (nodeId.length > 253) return `node id is ${nodeId.length} characters long (at most 253)`;
  if (!NODE_ID_PATTERN.test(nodeId)) return 'node id has characters outside [A-Za-z0-9._:-]';
  return null;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function endpointProblem(endpoint: string): string | null {
  if (isPlainHttpUrl(endpoint)) return null;
  // The URL parser drops tabs and line breaks silently, and PostgreSQL stores no NUL: a row that
  // has them would be stored as other text than it reads, or sink the whole load.
  if (hasControlCharacter(endpoint)) return 'endpoint has control characters';
  const checked = checkHttpUrl(endpoint);
  if (!('problem' in checked)) return null;
  return checked.problem === 'not a URL' ? 'endpoint is not a URL' : 'endpoint is not an http(s) URL';
}

/**
 * A reason, prefixed with the JSON array element it is about (`element`, its index) where the
 * line alone does not locate the row. Built only for a bad row: a million good ones build none.
 */
export const atElement = (element: number | undefined, reason: string): string =>
  element === undefined ? reason : `array index ${element}: ${reason}`;

/** `typeof`, with null and arrays told apart, for reasons like "got array". */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Where every format's readers put what they find: validates candidate rows, applies the
 * service filter, counts, and queues events for the parser to yield after each chunk.
 */
export class RowSink {
  private queue: MappingEvent[] = [];
  rows = 0;
  badRows = 0;
  skipped = 0;

  constructor(private readonly serviceName: string) {}

  /** Whether a row naming `service` (absent: undefined or null) belongs to this service; counts the others. */
  belongs(service: unknown): boolean {
    if (service === undefined || service === null || service === this.serviceName) return true;
    this.skipped++;
    return false;
  }

  /** `element`: the row's JSON array index, named in its reasons (see atElement). */
  candidate(nodeId: string, endpoint: string | null, line: number, element?: number): void {
    const problem = nodeIdProblem(nodeId) ?? (endpoint === null ? null : endpointProblem(endpoint));
    if (problem !== null) {
      this.bad(line, atElement(element, problem));
      return;
    }
    this.rows++;
    this.queue.push({ kind: 'row', nodeId, endpoint, line });
  }

  bad(line: number, reason: string): void {
    this.badRows++;
    this.queue.push({ kind: 'bad', line, reason });
  }

  drain(): MappingEvent[] {
    const out = this.queue;
    this.queue = [];
    return out;
  }
}
