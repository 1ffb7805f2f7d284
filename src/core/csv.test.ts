import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CsvError, CsvParser, csvCell, csvRow, parseCsv } from './csv.js';

/** Writes records as a careful CSV writer would: a field is quoted when it must be, or when asked. */
function writeCsv(records: string[][], newline: string, quoteAll: boolean): string {
  const field = (value: string) => (quoteAll || /[",\r\n]/.test(value) || value === '' ? `"${value.replaceAll('"', '""')}"` : value);
  return records.map((r) => r.map(field).join(',')).join(newline);
}

/** Feeds `text` to a parser in pieces cut at the given points. */
function parseInPieces(text: string, cuts: number[]) {
  const parser = new CsvParser();
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out = [];
  let at = 0;
  for (const point of [...points, text.length]) {
    out.push(...parser.push(text.slice(at, point)));
    at = point;
  }
  return [...out, ...parser.end()];
}

describe('CsvParser', () => {
  it('reads quoted fields with commas, quotes and line breaks, and numbers each record by its first line', () => {
    const text = 'phone,first_name,note\r\n+15550001,"Ann, B.","says ""hi""\r\non two lines"\n\n+15550002,Bo,\r\n+15550003,,"x"';
    assert.deepEqual(parseCsv(text), [
      { line: 1, fields: ['phone', 'first_name', 'note'] },
      { line: 2, fields: ['+15550001', 'Ann, B.', 'says "hi"\r\non two lines'] },
      { line: 5, fields: ['+15550002', 'Bo', ''] },
      { line: 6, fields: ['+15550003', '', 'x'] },
    ]);
  });

  it('skips a byte order mark and blank lines, takes a stray quote in an unquoted field as written', () => {
    assert.deepEqual(parseCsv('\uFEFFa,b\n\n5" screen,c\n'), [
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['5" screen', 'c'] },
    ]);
    assert.deepEqual(parseCsv('a\rb\r'), [
      { line: 1, fields: ['a'] },
      { line: 2, fields: ['b'] },
    ]);
  });

  it('refuses an unclosed quote and text after a closing quote, naming the line', () => {
    assert.throws(
      () => parseCsv('a\n"open'),
      (e: unknown) => e instanceof CsvError && e.line === 2,
    );
    assert.throws(
      () => parseCsv('a\nb\n"x"y'),
      (e: unknown) => e instanceof CsvError && e.line === 3,
    );
    assert.throws(() => new CsvParser({ maxFieldLength: 3 }).push('abcd'), CsvError);
  });

  it('reads back what a CSV writer wrote, however the text is cut into pieces', () => {
    const records = fc.array(
      fc.array(fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\r', '\n', ' ', 'é', '😀') }), { minLength: 1, maxLength: 5 }),
      {
        minLength: 1,
        maxLength: 8,
      },
    );
    fc.assert(
      fc.property(
        records,
        fc.constantFrom('\r\n', '\n'),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 10 }),
        (rows, newline, quoteAll, cuts) => {
          // A record of one empty field written unquoted is a blank line, which is no record: quoted, it is one.
          const text = writeCsv(rows, newline, quoteAll);
          const parsed = parseInPieces(text, cuts);
          assert.deepEqual(
            parsed.map((r) => r.fields),
            rows,
          );
          // Each record starts on the line after the line breaks before it.
          let line = 1;
          for (const [i, row] of rows.entries()) {
            assert.equal(parsed[i]!.line, line);
            line += 1 + row.reduce((n, f) => n + f.split(/\r\n|\r|\n/).length - 1, 0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

it('neutralizes cells a spreadsheet would run as formulas', () => {
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvCell('+1 555'), "'+1 555");
  assert.equal(csvCell('-2'), "'-2");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\tcmd'), "'\tcmd");
  assert.equal(csvCell('\rcmd'), `"'\rcmd"`);
  assert.equal(csvCell('STOP'), 'STOP');
  assert.equal(csvCell(42), '42');
  assert.equal(csvCell(null), '');
  assert.equal(csvRow(['a', 'b,c', 'say "hi"']), 'a,"b,c","say ""hi"""\r\n');
});

it('writes cells that read back as the same text, never starting with a formula character', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { minLength: 1, maxLength: 6 }), (cells) => {
      const records = parseCsv(csvRow(cells));
      const expected = cells.map((c) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c));
      if (cells.length === 1 && cells[0] === '') return assert.deepEqual(records, []); // a blank line
      assert.equal(records.length, 1);
      assert.deepEqual(records[0]!.fields, expected);
      for (const cell of records[0]!.fields) assert.doesNotMatch(cell, /^[=+\-@\t\r]/);
    }),
    { numRuns: 1000 },
  );
});
