// CSV for people's spreadsheets (RFC 4180: comma-separated, CRLF lines, quotes doubled). What a
// texter wrote ends up in these cells, so a cell a spreadsheet would read as a formula (starting
// with = + - @, a tab or a carriage return) is written with a leading single quote: shown as text,
// never run.

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

/** A record read from CSV text, with the line it starts on (1-based) for error messages. */
export interface CsvLine {
  line: number;
  cells: string[];
}

/**
 * Reads CSV text into records: quoted cells may hold commas, doubled quotes and line breaks; blank
 * lines are skipped. An unclosed quote is reported with the line it opened on.
 */
export function parseCsvLines(text: string): { records: CsvLine[]; error: { line: number; message: string } | null } {
  const records: CsvLine[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let openedAt = line;
    for (;;) {
      if (i >= text.length) {
        if (quoted) return { records, error: { line: openedAt, message: 'a quoted cell is never closed' } };
        cells.push(cell);
        break;
      }
      const ch = text[i]!;
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
          }
        } else {
          if (ch === '\n') line++;
          cell += ch;
          i++;
        }
        continue;
      }
      if (ch === '"' && cell === '') {
        quoted = true;
        openedAt = line;
        i++;
      } else if (ch === ',') {
        cells.push(cell);
        cell = '';
        i++;
      } else if (ch === '\r' || ch === '\n') {
        cells.push(cell);
        i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        break;
      } else {
        cell += ch;
        i++;
      }
    }
    if (!(cells.length === 1 && cells[0]!.trim() === '')) records.push({ line: start, cells });
  }
  return { records, error: null };
}
