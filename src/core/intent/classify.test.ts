import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from './classify.js';
import { emojiIntent } from './emoji.js';
import { isKeyboardSlip } from './typos.js';
import { corpus, falseFriends } from './corpus.js';
import { normalizeReply, tokens } from './normalize.js';

const read = (line: { text: string; optedOut?: boolean }) => classify(line.text, { optedOut: line.optedOut === true });
const show = (text: string) => JSON.stringify(text);

describe('classify over the reply corpus', () => {
  it('has several hundred replies, with false friends of every opt-out word', () => {
    assert.ok(corpus.length >= 500, `corpus has ${corpus.length} lines`);
    assert.ok(falseFriends.length >= 60, `${falseFriends.length} false friends`);
    const twice = corpus.filter((l, i) => corpus.findIndex((o) => o.text === l.text && o.optedOut === l.optedOut) !== i).map((l) => l.text);
    assert.deepEqual(twice, [], 'each reply once');
    for (const word of ['stop', 'end', 'cancel', 'quit']) {
      assert.ok(
        falseFriends.some((l) => normalizeReply(l.text).split(' ').includes(word)),
        `a false friend with "${word}"`,
      );
    }
  });

  it('catches every opt-out', () => {
    const missed = corpus
      .filter((l) => l.intent === 'opt_out')
      .map((l) => ({ l, got: read(l) }))
      .filter(({ got }) => got.intent !== 'opt_out')
      .map(({ l, got }) => `${show(l.text)} → ${got.intent} (${got.reason})`);
    assert.deepEqual(missed, [], `${missed.length} opt-outs missed:\n${missed.join('\n')}`);
  });

  it('reads no false friend as an opt-out', () => {
    const wrong = falseFriends
      .map((l) => ({ l, got: read(l) }))
      .filter(({ got }) => got.intent === 'opt_out')
      .map(({ l, got }) => `${show(l.text)} (${got.reason})`);
    assert.deepEqual(wrong, [], `${wrong.length} false friends read as opt-outs:\n${wrong.join('\n')}`);
  });

  it('reads every line as the corpus says', () => {
    const wrong = corpus
      .map((l) => ({ l, got: read(l) }))
      .filter(({ l, got }) => got.intent !== l.intent)
      .map(
        ({ l, got }) =>
          `${show(l.text)}${l.optedOut ? ' (opted out)' : ''}: expected ${l.intent}, got ${got.intent} ${got.confidence} (${got.reason})`,
      );
    assert.deepEqual(wrong, [], `${wrong.length} misread:\n${wrong.join('\n')}`);
  });

  it('says why and what matched for every reading that is not unknown', () => {
    for (const line of corpus) {
      const got = read(line);
      assert.ok(got.reason.length > 0, show(line.text));
      if (got.intent !== 'unknown') assert.notEqual(got.match, null, `${show(line.text)} → ${got.intent} without a match`);
      assert.ok(got.confidence >= 0 && got.confidence <= 1, show(line.text));
    }
  });
});

describe('classify', () => {
  it('is surest of whole keywords, then phrases, then typos, for every intent', () => {
    const ladders: Array<[string, string, string, string]> = [
      ['opt_out', 'stop', 'stop texting me', 'stpo'],
      ['confirm', 'yes', 'sounds good', 'yse'],
      ['decline', 'reschedule', 'need to reschedule', 'reshedule'],
    ];
    for (const [intent, keyword, phrase, typo] of ladders) {
      const [k, p, t] = [classify(keyword), classify(phrase), classify(typo)];
      assert.deepEqual([k.intent, p.intent, t.intent], [intent, intent, intent], intent);
      assert.equal(k.confidence, 1);
      assert.ok(
        k.confidence > p.confidence && p.confidence > t.confidence,
        `${intent}: ${k.confidence} > ${p.confidence} > ${t.confidence}`,
      );
      assert.equal(k.reason, `keyword "${keyword}"`);
      assert.equal(p.reason, `phrase "${phrase}"`);
      assert.equal(p.match, phrase);
      assert.match(t.reason, /^typo of "/);
      assert.equal(t.match, typo);
    }
    assert.deepEqual(classify("Can't make it!!"), {
      intent: 'decline',
      confidence: 0.9,
      reason: `phrase "can't make it"`,
      match: "can't make it",
    });
    assert.deepEqual(classify('STOP please'), { intent: 'opt_out', confidence: 0.95, reason: 'keyword "stop"', match: 'stop' });
  });

  it('leaves a guess below the threshold as unknown, keeping its reason and confidence', () => {
    const guess = classify('ok what time again?');
    assert.equal(guess.intent, 'unknown');
    assert.equal(guess.confidence, 0.6);
    assert.match(guess.reason, /^"ok" before a question: confirm below the 0.7 threshold$/);
    assert.equal(guess.match, 'ok');
    assert.equal(classify('ok what time again?', { threshold: 0.5 }).intent, 'confirm');

    assert.equal(classify('sounds good', { threshold: 0.95 }).intent, 'unknown');
    assert.equal(classify('sounds good', { threshold: 0.95 }).confidence, 0.9);
    assert.equal(classify('yes', { threshold: 1 }).intent, 'confirm');
    assert.equal(classify('who is this?').intent, 'help');
    assert.equal(classify('who is this?', { threshold: 0.8 }).intent, 'unknown');
  });

  it('never holds an opt-out back, whatever the threshold', () => {
    for (const text of ['stpo', 'wrong number, stop', 'stop texting me', '🛑']) {
      assert.equal(classify(text, { threshold: 1 }).intent, 'opt_out', text);
    }
  });

  it('reads YES as an opt-in only from an opted-out contact, and only YES', () => {
    assert.equal(classify('YES').intent, 'confirm');
    assert.deepEqual(classify('YES', { optedOut: true }), {
      intent: 'opt_in',
      confidence: 1,
      reason: 'keyword "yes" from an opted-out contact',
      match: 'yes',
    });
    assert.equal(classify('yes please', { optedOut: true }).intent, 'opt_in');
    assert.equal(classify('yeah', { optedOut: true }).intent, 'confirm');
    assert.equal(classify('START').intent, 'opt_in');
    assert.equal(classify('START', { optedOut: true }).intent, 'opt_in');
    assert.equal(classify('yes STOP', { optedOut: true }).intent, 'opt_out');
  });

  it('keeps a misspelt START a guess, since resubscribing wrongly would text someone who said stop', () => {
    const misspelt = classify('strat', { optedOut: true });
    assert.equal(misspelt.intent, 'unknown');
    assert.match(misspelt.reason, /typo of "start"/);
  });

  it('puts opt-out before every other reading', () => {
    assert.equal(classify('yes STOP').intent, 'opt_out');
    assert.equal(classify('HELP STOP').intent, 'opt_out');
    assert.equal(classify('sounds good, but please stop texting me').intent, 'opt_out');
    assert.equal(classify('cancel').intent, 'opt_out', 'CANCEL alone is the carrier keyword, never a decline');
    assert.equal(classify('cancel my appointment').intent, 'decline');
  });

  it('reads mixed signals', () => {
    assert.equal(classify('not sure').intent, 'unknown');
    assert.equal(classify('no problem, see you then').intent, 'confirm');
    assert.equal(classify('yes but I need to reschedule').intent, 'decline');
    const no = classify("no, I'll be there");
    assert.equal(no.intent, 'confirm');
    assert.ok(no.confidence < classify("I'll be there").confidence, 'the opposite leading word lowers the confidence');
    assert.equal(classify('1').intent, 'confirm');
    assert.equal(classify('2').intent, 'decline');
    assert.equal(classify('2 people').intent, 'unknown');
    assert.equal(classify('1 question').intent, 'unknown');
  });

  it('does not mistake words near STOP for it', () => {
    for (const word of ['step', 'shop', 'atop', 'stow', 'top', 'spot', 'post', 'pots', 'slop', 'stomp', 'stops']) {
      assert.notEqual(classify(word).intent, 'opt_out', word);
    }
    for (const word of ['stpo', 'sotp', 'tsop', 'stopp', 'sstop', 'stoop', 'stp', 'stip', 'stoo']) {
      assert.equal(classify(word).intent, 'opt_out', word);
    }
  });

  it('reads emoji alone, and not beside words', () => {
    assert.equal(emojiIntent('👍🏽'), 'confirm');
    assert.equal(emojiIntent('❌'), 'decline');
    assert.equal(emojiIntent('👍👎'), null);
    assert.equal(emojiIntent('yes'), null);
    assert.equal(classify('👍').intent, 'confirm');
    assert.equal(classify('👍👎').intent, 'unknown');
    assert.equal(classify('where do I park 👍').intent, 'unknown');
  });
});

describe('isKeyboardSlip', () => {
  const table: Array<[string, string, boolean]> = [
    ['stpo', 'stop', true],
    ['stp', 'stop', true],
    ['stoop', 'stop', true],
    ['stip', 'stop', true],
    ['stop', 'stop', false],
    ['step', 'stop', false],
    ['shop', 'stop', false],
    ['stomp', 'stop', false],
    ['spto', 'stop', false],
    ['unsubscibe', 'unsubscribe', true],
    ['unsubscrobe', 'unsubscribe', true],
    ['unsbscibe', 'unsubscribe', false],
    ['subscribe', 'unsubscribe', false],
  ];
  for (const [word, target, expected] of table)
    it(`${word} → ${target}: ${expected}`, () => assert.equal(isKeyboardSlip(word, target), expected));
});

describe('normalizeReply', () => {
  const table: Array<[string, string]> = [
    ['  STOP!!! ', 'stop'],
    ['Can’t make it', "can't make it"],
    ['Yes 👍🏽', 'yes'],
    ['OPT-OUT', 'opt out'],
    ["'yes'", 'yes'],
    ['ＳＴＯＰ', 'stop'],
    ['1️⃣', '1'],
    ['line\nbreak\t here', 'line break here'],
    ['"Sure!"', 'sure'],
    ['Ça va?', 'ça va'],
    ['', ''],
    ['¿Sí?', 'sí'],
  ];
  for (const [input, expected] of table) it(show(input), () => assert.equal(normalizeReply(input), expected));

  it('splits a normalized reply into its words', () => {
    assert.deepEqual(tokens(normalizeReply("Can't make it, sorry!")), ["can't", 'make', 'it', 'sorry']);
    assert.deepEqual(tokens(''), []);
  });
});
