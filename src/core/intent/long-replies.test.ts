import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { classify, readLimit } from './classify.js';
import { corpus } from './corpus.js';

/**
 * How long reading a text takes, in ms: the fastest of three readings, so that a pause of the
 * shared machine is not taken for the reading's own cost, which is the same each time.
 */
function timed(text: string): number {
  let fastest = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    classify(text);
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

// A correctness bound, not a benchmark: a reading that takes this long holds every other message.
const bound = 50;

describe('classify in bounded time', () => {
  before(() => {
    for (const line of corpus) classify(line.text);
  });

  it('reads "bus stop", thousands of newlines and a letter quickly', () => {
    for (const n of [10_000, 130_000]) {
      const took = timed('bus stop' + '\n'.repeat(n) + 'x');
      assert.ok(took < 100, `${n} newlines: ${took.toFixed(1)} ms`);
    }
  });

  it('reads any run of padding between a word and a keyword, up to the limit, within the bound', () => {
    const padding = fc.constantFrom('\n', ' ', '\t', '"', '*', "'", '-', ' - ', '.', '\u00a0');
    const word = fc.constantFrom('bus stop', 'stop', 'STOP ALL', 'quit', 'x', 'wrong', 'no', "don't", 'yes', '🛑', 'stop texting');
    fc.assert(
      fc.property(word, padding, fc.integer({ min: 1, max: readLimit }), word, (first, pad, n, last) => {
        const text = (first + pad.repeat(n) + last).slice(0, readLimit);
        const took = timed(text);
        assert.ok(took < bound, `${JSON.stringify(text.slice(0, 20))}… (${text.length}): ${took.toFixed(1)} ms`);
      }),
      { numRuns: 300 },
    );
  });

  it('reads any text up to the limit within the bound', () => {
    const words = fc.constantFrom('stop', 'yes', 'no', 'please', 'not', 'me', 'texting', 'wrong', '#', 'all', 'help', 'x', '🛑', '👍');
    const seps = fc.constantFrom(' ', '\n', ', ', '. ', ' - ', '!!! ', '');
    const sentence = fc.array(fc.tuple(words, seps), { maxLength: 400 }).map((ws) => ws.map(([w, s]) => w + s).join(''));
    fc.assert(
      fc.property(fc.oneof(sentence, fc.string({ maxLength: readLimit, unit: 'binary' })), (raw) => {
        const text = raw.slice(0, readLimit);
        const took = timed(text);
        assert.ok(took < bound, `${JSON.stringify(text.slice(0, 20))}… (${text.length}): ${took.toFixed(1)} ms`);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a text as large as a webhook may be (256 KB by default) within the bound', () => {
    for (const text of ['bus stop' + '\n'.repeat(256_000) + 'x', 'stop x '.repeat(36_000), 'no, '.repeat(64_000), 'x'.repeat(256_000)]) {
      const took = timed(text);
      assert.ok(took < bound, `${JSON.stringify(text.slice(0, 12))}… (${text.length}): ${took.toFixed(1)} ms`);
    }
  });
});

describe('classify past the limit', () => {
  const filler = 'and then we walked along the river for a while '.repeat(60);

  it('reads only the head of a long reply for its answer', () => {
    assert.ok(filler.length > readLimit);
    const long = classify(`Sounds good. ${filler} but I need to reschedule`);
    assert.equal(long.intent, 'confirm', long.reason);
    assert.equal(classify(`Can't make it. ${filler}`).intent, 'decline');
  });

  it('never misses an opt-out at the start, the end or set apart in the middle', () => {
    const cases: Array<[string, RegExp]> = [
      [`STOP! ${filler}`, /keyword "stop"/],
      [`Stop texting me. ${filler}`, /phrase "stop texting me"/],
      [`${filler} STOP`, /, at the end of a long reply$/],
      [`${filler} please stop texting me`, /phrase "stop texting me", at the end of a long reply$/],
      [`${filler}. STOP. ${filler}`, /^keyword "stop" set apart, in a long reply$/],
      [`${filler}\nquit\n${filler}`, /^keyword "quit" set apart, in a long reply$/],
    ];
    for (const [text, reason] of cases) {
      const got = classify(text);
      assert.equal(got.intent, 'opt_out', `${JSON.stringify(text.slice(0, 30))}: ${got.reason}`);
      assert.match(got.reason, reason);
    }
  });

  it('reads no opt-out into a long reply that has none', () => {
    for (const text of [`${filler} at the bus stop`, `${filler} nonstop`, `The bus stop. ${filler}`]) {
      assert.notEqual(classify(text).intent, 'opt_out', text.slice(-30));
    }
  });

  it('keeps the head whole: a word at the cut is neither split nor read as the end of the reply', () => {
    const text = 'a '.repeat(readLimit / 2 - 2) + 'stopgap measures, nothing more ' + filler;
    assert.notEqual(classify(text).intent, 'opt_out');
  });
});
