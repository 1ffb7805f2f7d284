import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { setApartKeyword } from './set-apart.js';

// The rule as a regular expression: what the one-pass reading must agree with on texts short
// enough for the expression's backtracking not to matter.
const asExpression =
  /(?:^|[.,;:!?\n\u2026)]|\s[-\u2013\u2014]+\s|\p{Extended_Pictographic})[\s"'*]*(stop[\s-]*all|stop|quit)[\s"'*]*(?:$|[.,;:!?\n\u2026(]|\p{Extended_Pictographic})/iu;
const byExpression = (text: string) =>
  asExpression
    .exec(text)?.[1]!
    .toLowerCase()
    .replace(/[\s-]+/g, ' ') ?? null;

// Pieces that make up the texts where the rule is decided: keywords and near-keywords, every
// character that opens or closes a clause, padding, dashes, emoji, letters.
const piece = fc.constantFrom(
  'stop',
  'STOP',
  'Stop',
  'ſtop',
  'quit',
  'QUIT',
  'all',
  'ALL',
  'sto',
  'stopp',
  'bus',
  'x',
  ' ',
  '  ',
  '\n',
  '\t',
  '\u00a0',
  '"',
  "'",
  '*',
  '-',
  '\u2013',
  '\u2014',
  '.',
  ',',
  ';',
  ':',
  '!',
  '?',
  '\u2026',
  '(',
  ')',
  '🛑',
  '🙄',
  '👍🏽',
  '#',
  'é',
);

describe('setApartKeyword', () => {
  it('reads set-apart keywords', () => {
    const table: Array<[string, string | null]> = [
      ['Wrong number. STOP', 'stop'],
      ['STOP! who is this?', 'stop'],
      ['ok — stop', 'stop'],
      ['ok — stop — thanks', null],
      ['🙄 quit', 'quit'],
      ['*STOP ALL*', 'stop all'],
      ['no more.\nStop-all', 'stop all'],
      ['STOP\nall of them', 'stop'],
      ['bus stop', null],
      ['the bus stop.', null],
      ['nonstop!', null],
      ['stopping.', null],
      ['', null],
    ];
    for (const [text, expected] of table) assert.equal(setApartKeyword(text), expected, JSON.stringify(text));
  });

  it('agrees with the rule written as a regular expression', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const text = pieces.join('');
        assert.equal(setApartKeyword(text), byExpression(text), JSON.stringify(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads long runs of padding in linear time', () => {
    // Texts of 130,000 characters: the regular expression this replaced took about a second on
    // 10,000 and grew with the square (minutes here). Linear code takes a few milliseconds; the
    // limit is set far above that so a loaded machine cannot fail it, and far below quadratic.
    const texts = [
      'bus stop' + '\n'.repeat(130_000) + 'x',
      'bus stop' + ' '.repeat(130_000) + 'x',
      'x.' + ' '.repeat(130_000) + 'stopx',
      'stop x '.repeat(18_000),
      ' - '.repeat(43_000) + 'stopx',
      'x' + '-'.repeat(130_000) + ' stopx',
    ];
    for (const text of texts) {
      const started = performance.now();
      setApartKeyword(text);
      const took = performance.now() - started;
      assert.ok(took < 2_000, `${JSON.stringify(text.slice(0, 12))}…: ${took.toFixed(1)} ms`);
    }
  });
});
