import { MAX_LINE_CHARS } from './types';

export interface LineHandler {
  line(text: string, lineNumber: number): void;
  /** A line longer than MAX_LINE_CHARS: its text was dropped as it arrived, never held whole. */
  tooLong(lineNumber: number): void;
  /** The object ended (after its last line was handled). */
  end?(): void;
}

/** Cuts decoded text chunks into numbered lines (LF or CRLF), whatever the chunk boundaries. */
export class LineSplitter {
  private partial = '';
  private overflowed = false;
  private lineNumber = 0;

  constructor(private readonly handler: LineHandler) {}

  push(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.finishLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.append(text.slice(start));
  }

  end(): void {
    if (this.partial.length > 0 || this.overflowed) this.finishLine('');
    this.handler.end?.();
  }

  private append(text: string): void {
    if (this.overflowed) return;
    this.partial += text;
    if (this.partial.length > MAX_LINE_CHARS) {
      this.partial = '';
      this.overflowed = true;
    }
  }

  private finishLine(tail: string): void {
    this.lineNumber++;
    this.append(tail);
    if (this.overflowed) {
      this.handler.tooLong(this.lineNumber);
    } else {
      const text = this.partial;
      this.handler.line(text.endsWith('\r') ? text.slice(0, -1) : text, this.lineNumber);
    }
    this.partial = '';
    this.overflowed = false;
  }
}
