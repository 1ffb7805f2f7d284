import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { csvCell, csvRow, parseCsvLines } from './csv.js';

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
      const { records, error } = parseCsvLines(csvRow(cells));
      assert.equal(error, null);
      const expected = cells.map((c) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c));
      if (cells.length === 1 && cells[0]!.trim() === '' && !/^[\t\r]/.test(cells[0]!)) return; // a blank line
      assert.deepEqual(records[0]!.cells, expected);
      for (const cell of records[0]!.cells) assert.doesNotMatch(cell, /^[=+\-@\t\r]/);
    }),
    { numRuns: 1000 },
  );
});

it('reads records with their line numbers, quoted line breaks included', () => {
  const { records, error } = parseCsvLines('phone,action\r\n\n+15550001,"opt\nout"\n+15550002,opt_in');
  assert.equal(error, null);
  assert.deepEqual(records, [
    { line: 1, cells: ['phone', 'action'] },
    { line: 3, cells: ['+15550001', 'opt\nout'] },
    { line: 5, cells: ['+15550002', 'opt_in'] },
  ]);
  assert.deepEqual(parseCsvLines('a,b\n"never closed,c\n').error, { line: 2, message: 'a quoted cell is never closed' });
});
