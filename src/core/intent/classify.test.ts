import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, withinOneEdit } from './classify.js';
import { corpus } from './corpus.js';
import { normalizeReply } from './normalize.js';

describe('classify over the reply corpus', () => {
  it('has a corpus of several hundred replies, false friends included', () => {
    assert.ok(corpus.length >= 400, `corpus has ${corpus.length} lines`);
    assert.ok(corpus.filter((l) => l.falseFriend).length >= 25);
  });

  it('catches every opt-out', () => {
    const missed = corpus
      .filter((l) => l.intent === 'opt_out')
      .map((l) => ({ text: l.text, got: classify(l.text, { optedOut: l.optedOut === true }) }))
      .filter((r) => r.got.intent !== 'opt_out')
      .map((r) => `${JSON.stringify(r.text)} → ${r.got.intent} (${r.got.reason})`);
    assert.deepEqual(missed, [], `missed opt-outs:\n${missed.join('\n')}`);
  });

  it('reads no false friend as an opt-out', () => {
    const wrong = corpus
      .filter((l) => l.falseFriend)
      .map((l) => ({ text: l.text, got: classify(l.text) }))
      .filter((r) => r.got.intent === 'opt_out')
      .map((r) => `${JSON.stringify(r.text)} (${r.got.reason})`);
    assert.deepEqual(wrong, [], `false friends read as opt-out:\n${wrong.join('\n')}`);
  });

  it('reads every line as the corpus says', () => {
    const wrong = corpus
      .map((l) => ({ line: l, got: classify(l.text, { optedOut: l.optedOut === true }) }))
      .filter((r) => r.got.intent !== r.line.intent)
      .map((r) => `${JSON.stringify(r.line.text)}: expected ${r.line.intent}, got ${r.got.intent} (${r.got.confidence}, ${r.got.reason})`);
    assert.deepEqual(wrong, [], `${wrong.length} misread:\n${wrong.join('\n')}`);
  });
});

describe('classify', () => {
  it('is surest of whole keywords, then phrases, then typos', () => {
    const keyword = classify('yes');
    const phrase = classify('sounds good');
    const typo = classify('yse');
    assert.equal(keyword.confidence, 1);
    assert.ok(keyword.confidence > phrase.confidence && phrase.confidence > typo.confidence);
    assert.deepEqual([keyword.intent, phrase.intent, typo.intent], ['confirm', 'confirm', 'confirm']);
    assert.equal(typo.reason, 'typo of "yes"');
    assert.equal(phrase.match, 'sounds good');
  });

  it('leaves a guess below the threshold as unknown, with its reason', () => {
    const guess = classify('ok what time again?');
    assert.equal(guess.intent, 'unknown');
    assert.equal(guess.confidence, 0.6);
    assert.match(guess.reason, /below threshold: starts with "ok"/);
    assert.equal(classify('ok what time again?', { threshold: 0.5 }).intent, 'confirm');
    assert.equal(classify('yes', { threshold: 1 }).intent, 'confirm');
    assert.equal(classify('sounds good', { threshold: 0.95 }).intent, 'unknown');
  });

  it('reads YES as an opt-in only from an opted-out contact', () => {
    assert.equal(classify('YES').intent, 'confirm');
    assert.equal(classify('YES', { optedOut: true }).intent, 'opt_in');
    assert.equal(classify('START').intent, 'opt_in');
  });

  it('puts opt-out before every other reading', () => {
    assert.equal(classify('yes STOP').intent, 'opt_out');
    assert.equal(classify('HELP STOP').intent, 'opt_out');
    assert.equal(classify('cancel').intent, 'opt_out', 'CANCEL alone is the carrier keyword, never a decline');
    assert.equal(classify('STOP', { optedOut: true }).intent, 'opt_out');
  });

  it('does not mistake words near STOP for it', () => {
    for (const word of ['step', 'shop', 'atop', 'stow', 'top', 'spot', 'post', 'pots']) {
      assert.notEqual(classify(word).intent, 'opt_out', word);
    }
  });
});

describe('withinOneEdit', () => {
  const table: Array<[string, string, boolean]> = [
    ['stop', 'stop', true], ['stpo', 'stop', true], ['sop', 'stop', true], ['stoop', 'stop', true], ['step', 'stop', true],
    ['spto', 'stop', false], ['unsubscibe', 'unsubscribe', true], ['unsbscibe', 'unsubscribe', false], ['a', 'abc', false],
  ];
  for (const [a, b, expected] of table) it(`${a} ~ ${b}: ${expected}`, () => assert.equal(withinOneEdit(a, b), expected));
});

describe('normalizeReply', () => {
  const table: Array<[string, string]> = [
    ['  STOP!!! ', 'stop'], ['Can’t make it', "can't make it"], ['Yes 👍🏽', 'yes'], ['OPT-OUT', 'opt out'], ["'yes'", 'yes'],
    ['ＳＴＯＰ', 'stop'], ['1️⃣', '1'], ['line\nbreak', 'line break'],
  ];
  for (const [input, expected] of table) it(JSON.stringify(input), () => assert.equal(normalizeReply(input), expected));
});
