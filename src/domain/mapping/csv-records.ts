import { shown } from './rows';
import { MAX_LINE_CHARS } from './types';

export type CsvRecord = { line: number; fields: string[] } | { line: number; error: string };

/**
 * Assembles CSV records (RFC 4180 quoting: `"a,b"`, `""` for a quote, line breaks inside quotes)
 * from physical lines. A line without quotes outside a quoted field takes a fast path: nearly
 * every line of a real mapping does.
 */
export class CsvRecords {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private closedQuote = false;
  private problem: string | null = null;
  private startLine = 0;
  private chars = 0;

  /** Inside a quoted field that continues on the next line. */
  get open(): boolean {
    return this.inQuotes;
  }

  /** Feeds one line; returns the record it completes, or null while a quoted field is open. */
  line(text: string, lineNumber: number): CsvRecord | null {
    if (this.inQuotes) {
      this.field += '\n';
      this.chars += text.length + 1;
      if (this.chars > MAX_LINE_CHARS) return this.abandon(`record is longer than ${MAX_LINE_CHARS} characters`);
    } else {
      if (!text.includes('"')) return { line: lineNumber, fields: text.split(',') };
      this.startLine = lineNumber;
      this.chars = text.length;
    }
    this.scan(text);
    if (this.inQuotes) return null;
    this.fields.push(this.field);
    const record: CsvRecord =
      this.problem === null ? { line: this.startLine, fields: this.fields } : { line: this.startLine, error: this.problem };
    this.reset();
    return record;
  }

  /** A line too long to hold: the record it belongs to is bad. */
  tooLong(lineNumber: number): CsvRecord {
    if (this.inQuotes) return this.abandon(`record is longer than ${MAX_LINE_CHARS} characters`);
    return { line: lineNumber, error: `line is longer than ${MAX_LINE_CHARS} characters` };
  }

  /** The object ended: a quoted field still open is a bad record. */
  end(): CsvRecord | null {
    return this.inQuotes ? this.abandon('quoted field is never closed') : null;
  }

  private scan(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.inQuotes) {
        if (c !== '"') this.field += c;
        else if (text[i + 1] === '"') {
          this.field += '"';
          i++;
        } else {
          this.inQuotes = false;
          this.closedQuote = true;
        }
      } else if (c === ',') {
        this.fields.push(this.field);
        this.field = '';
        this.closedQuote = false;
      } else if (this.closedQuote) {
        if (c !== ' ' && c !== '\t') {
          this.problem ??= `unexpected ${shown(c)} after the closing quote of column ${this.fields.length + 1}`;
        }
      } else if (c === '"' && this.field.trim() === '') {
        this.inQuotes = true;
        this.field = '';
      } else {
        this.field += c;
      }
    }
  }

  private abandon(reason: string): CsvRecord {
    const record = { line: this.startLine, error: `${reason} (quoted field opened on line ${this.startLine})` };
    this.reset();
    return record;
  }

  private reset(): void {
    this.fields = [];
    this.field = '';
    this.inQuotes = false;
    this.closedQuote = false;
    this.problem = null;
  }
}
