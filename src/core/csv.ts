// CSV as RFC 4180 writes it, read a chunk at a time so a large upload is never held whole: fields
// separated by commas, records by CRLF or LF (a lone CR too, as old spreadsheet exports write), a
// field in double quotes may hold commas, line breaks and doubled quotes. Each record carries the
// line it starts on, which is how a person finds it in their file.

export interface CsvRecord {
  /** 1-based line of the file on which the record starts. */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted' | 'afterCr';

/** Reads CSV text pushed in pieces of any size (split anywhere, even inside a quote or a CRLF). */
export class CsvParser {
  private state: State = 'fieldStart';
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  private recordStarted = false;
  private crInQuote = false;
  private started = false;
  private readonly maxFieldLength: number;

  constructor(options: { maxFieldLength?: number } = {}) {
    this.maxFieldLength = options.maxFieldLength ?? 64 * 1024;
  }

  /** The records completed by this piece of text. */
  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let i = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      // The byte order mark spreadsheet programs put before UTF-8 CSV is not part of the first field.
      if (text.startsWith('\uFEFF')) i = 1;
    }
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (this.state === 'afterCr') {
        this.state = 'fieldStart';
        if (c === '\n') continue;
      }
      switch (this.state) {
        case 'fieldStart':
          if (c === '"') {
            this.recordStarted = true;
            this.crInQuote = false;
            this.state = 'quoted';
          } else if (c === ',') {
            this.recordStarted = true;
            this.endField();
          } else if (c === '\r' || c === '\n') {
            this.endRecord(out);
            this.line++;
            if (c === '\r') this.state = 'afterCr';
          } else {
            this.recordStarted = true;
            this.append(c);
            this.state = 'unquoted';
          }
          break;
        case 'unquoted':
          if (c === ',') {
            this.endField();
            this.state = 'fieldStart';
          } else if (c === '\r' || c === '\n') {
            this.endRecord(out);
            this.line++;
            this.state = c === '\r' ? 'afterCr' : 'fieldStart';
          } else {
            // A quote inside a field that does not start with one (5" screen) is taken as written.
            this.append(c);
          }
          break;
        case 'quoted':
          if (c === '"') this.state = 'quoteInQuoted';
          else {
            if (c === '\r' || (c === '\n' && !this.crInQuote)) this.line++;
            this.crInQuote = c === '\r';
            this.append(c);
          }
          break;
        case 'quoteInQuoted':
          if (c === '"') {
            this.append('"');
            this.crInQuote = false;
            this.state = 'quoted';
          } else if (c === ',') {
            this.endField();
            this.state = 'fieldStart';
          } else if (c === '\r' || c === '\n') {
            this.endRecord(out);
            this.line++;
            this.state = c === '\r' ? 'afterCr' : 'fieldStart';
          } else {
            throw new CsvError(this.line, 'text after a closing double quote; a quote inside a quoted field is written twice ("")');
          }
          break;
      }
    }
    return out;
  }

  /** The last record, when the text does not end with a line break; throws on an unclosed quote. */
  end(): CsvRecord[] {
    if (this.state === 'quoted') throw new CsvError(this.recordLine, 'a quoted field is never closed');
    const out: CsvRecord[] = [];
    if (this.recordStarted) this.endRecord(out);
    return out;
  }

  private append(c: string): void {
    if (this.field.length >= this.maxFieldLength)
      throw new CsvError(this.recordLine, `a field is longer than ${this.maxFieldLength} characters`);
    this.field += c;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
  }

  private endRecord(out: CsvRecord[]): void {
    // A blank line is no record (a trailing one is common); a line of commas is a record of empty fields.
    if (this.recordStarted) {
      this.endField();
      out.push({ line: this.recordLine, fields: this.fields });
    }
    this.fields = [];
    this.field = '';
    this.recordStarted = false;
    this.recordLine = this.line + 1;
  }
}

/** Reads a whole CSV text (tests, small inputs). */
export function parseCsv(text: string): CsvRecord[] {
  const parser = new CsvParser();
  return [...parser.push(text), ...parser.end()];
}

// Writing, for exports people open in spreadsheets: what a texter wrote ends up in these cells, so a
// cell a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return) is
// written with a leading single quote: shown as text, never run.
const formulaStart = /^[=+\-@\t\r]/;

/** One cell, neutralized and quoted as needed. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && formulaStart.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line of cells, ending in CRLF. */
export function csvRow(cells: ReadonlyArray<string | number | null | undefined>): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
