import { objectRow } from './object-row';
import { atElement, jsonType, shown, type RowSink } from './rows';
import { MAX_ELEMENT_CHARS } from './types';

type Phase =
  | 'start' // before '['
  | 'first' // after '[': an element or ']'
  | 'next' // after ',': an element
  | 'element' // inside an element
  | 'after' // after an element: ',' or ']'
  | 'closed' // after ']': only whitespace
  | 'broken'; // after a syntax error: the rest is ignored

type ElementKind = 'string' | 'container' | 'literal';

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const found = (c: number) => shown(String.fromCharCode(c));
const isSpace = (c: number) => c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09;
const endsLiteral = (c: number) =>
  isSpace(c) || c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE || c === OPEN_BRACKET || c === OPEN_BRACE || c === QUOTE;

/**
 * `json`: a top-level array of node ids or of `{"node", "endpoint"?, "service"?}` objects, read
 * incrementally. The scanner only finds where each element starts and ends (strings, escapes,
 * nesting); each element alone goes to JSON.parse, so memory stays at one element however long
 * the array or its line. Rows carry the line their element starts on, and reasons name the
 * element's array index. A syntax error ends the read: the elements before it count, and the
 * error is one bad row.
 */
export class JsonArrayReader {
  private phase: Phase = 'start';
  private line = 1;
  private index = -1;
  private kind: ElementKind = 'literal';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elementLine = 1;
  private parts: string[] = [];
  private size = 0;
  private oversized = false;

  constructor(private readonly sink: RowSink) {}

  push(text: string): void {
    let segmentStart = 0;
    // Inside a string only a quote or a backslash matters, so the scan jumps to the next one
    // (most of an element is its strings). Backslashes are rare: the next one is looked for once
    // and again only when passed. Newlines jumped over are counted.
    const next = (char: string, from: number) => {
      const at = text.indexOf(char, from);
      return at === -1 ? text.length : at;
    };
    let escapeAt = -1;
    let newlineAt = -1;
    for (let i = 0; i < text.length && !this.broken; ) {
      if (this.phase === 'element' && this.inString && !this.escaped) {
        if (escapeAt < i) escapeAt = next('\\', i);
        const stop = Math.min(next('"', i), escapeAt);
        if (newlineAt < i) newlineAt = next('\n', i);
        for (; newlineAt < stop; newlineAt = next('\n', newlineAt + 1)) this.line++;
        i = stop;
        if (i === text.length) break;
      }
      const c = text.charCodeAt(i);
      if (this.phase === 'element') {
        if (this.kind === 'literal' && endsLiteral(c)) {
          // The terminator belongs to what follows: finish without consuming it.
          this.finishElement(text.slice(segmentStart, i));
          continue;
        }
        if (this.endsElementAt(c)) {
          this.finishElement(text.slice(segmentStart, i + 1));
        }
      } else if (!isSpace(c) && this.structural(c)) {
        segmentStart = i;
      }
      if (c === NEWLINE) this.line++;
      i++;
    }
    if (this.phase === 'element') this.keep(text.slice(segmentStart));
  }

  end(): void {
    if (this.phase === 'element' && this.kind === 'literal') this.finishElement('');
    if (this.phase === 'start' || this.phase === 'closed' || this.phase === 'broken') return;
    const read = this.phase === 'element' ? this.index : this.index + 1;
    this.fail(`the JSON array is never closed: the object ends after ${read} element(s)`);
  }

  private get broken(): boolean {
    return this.phase === 'broken';
  }

  /** A non-space character outside any element; true when it starts one. */
  private structural(c: number): boolean {
    switch (this.phase) {
      case 'start':
        if (c === OPEN_BRACKET) this.phase = 'first';
        else this.fail(`expected '[' to open a JSON array, found ${found(c)}`);
        return false;
      case 'first':
        if (c !== CLOSE_BRACKET) return this.startElement(c);
        this.phase = 'closed';
        return false;
      case 'next':
        if (c !== CLOSE_BRACKET) return this.startElement(c);
        this.fail(`trailing ',' after array index ${this.index}`);
        return false;
      case 'after':
        if (c === COMMA) this.phase = 'next';
        else if (c === CLOSE_BRACKET) this.phase = 'closed';
        else this.fail(`expected ',' or ']' after array index ${this.index}, found ${found(c)}`);
        return false;
      case 'closed':
        this.fail(`unexpected ${found(c)} after the JSON array's closing ']'`);
        return false;
      default:
        return false;
    }
  }

  private startElement(c: number): true {
    this.phase = 'element';
    this.index++;
    this.elementLine = this.line;
    this.kind = c === QUOTE ? 'string' : c === OPEN_BRACE || c === OPEN_BRACKET ? 'container' : 'literal';
    this.depth = this.kind === 'container' ? 1 : 0;
    this.inString = this.kind === 'string';
    this.escaped = false;
    return true;
  }

  /** Whether `c`, inside an element (not its first character), closes it. */
  private endsElementAt(c: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === BACKSLASH) this.escaped = true;
      else if (c === QUOTE) {
        this.inString = false;
        return this.depth === 0;
      }
      return false;
    }
    if (c === QUOTE) this.inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) return --this.depth === 0;
    return false;
  }

  /** Holds part of an element across chunks, unless it has grown past the limit. */
  private keep(part: string): void {
    if (this.oversized) return;
    this.size += part.length;
    if (this.size > MAX_ELEMENT_CHARS) {
      this.oversized = true;
      this.parts = [];
    } else {
      this.parts.push(part);
    }
  }

  private finishElement(lastPart: string): void {
    // Most elements lie within one chunk: nothing was kept, and the last part is the whole.
    const whole = this.parts.length === 0 && !this.oversized && lastPart.length <= MAX_ELEMENT_CHARS;
    if (!whole) this.keep(lastPart);
    const text = whole ? lastPart : this.parts.join('');
    const oversized = this.oversized;
    const { index } = this;
    this.phase = 'after';
    this.parts = [];
    this.size = 0;
    this.oversized = false;
    if (oversized) {
      this.sink.bad(this.elementLine, atElement(index, `element is longer than ${MAX_ELEMENT_CHARS} characters`));
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.fail(atElement(index, `invalid JSON: ${(err as Error).message}`), this.elementLine);
      return;
    }
    if (typeof value === 'string') this.sink.candidate(value, null, this.elementLine, index);
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      objectRow(this.sink, value, this.elementLine, index);
    } else {
      this.sink.bad(this.elementLine, atElement(index, `expected a node id string or an object, got ${jsonType(value)}`));
    }
  }

  private fail(reason: string, line = this.line): void {
    this.sink.bad(line, reason);
    this.phase = 'broken';
    this.parts = [];
  }
}
