// Reads what a reply to a business text means. The order is a compliance rule, not a preference:
// opt-out is decided first, from its own tables, and nothing read later (a "yes", a question, a
// help request) can hide it. Then opt-in, help, and the answers (confirm / decline).
//
// Confidence is a fixed scale per kind of evidence, so a threshold means the same thing everywhere:
//   1     the whole reply is a keyword ("STOP", "yes", "2")
//   0.95  a keyword with only filler around it ("stop please", "yes thanks")
//   0.9   a phrase that says it ("stop texting me", "can't make it", "sounds good")
//   0.85  a keyword set apart in a longer reply ("wrong number, STOP"), a lone 👍
//   0.8   a recognizable typo of a keyword ("stpo", "yse")
//   0.75  weaker readings: "who is this?" as a help request, a yes or no leading a remark
//         ("yes, 3pm works"), a phrase that overrules the opposite word ("no, I'll be there")
//   0.6   guesses, below the default threshold: a yes before a question ("ok what time?"), a phrase
//         hedged ("not sure I can make it"), an emoji beside words we cannot read, a misspelt START
//
// Opt-out readings ignore the threshold: all of them are 0.8 or more by construction, and a
// threshold raised to make automation more careful must not make it deaf to STOP.

import { emojiIntent } from './emoji.js';
import { confirmGrammar, declineGrammar, helpGrammar, optInGrammar, optOutGrammar, vocab } from './grammars.js';
import {
  GUESS,
  KEYWORD,
  KEYWORD_WITH_FILLER,
  PHRASE,
  SET_APART,
  TYPO,
  WEAK,
  defaultThreshold,
  type Classification,
  type ClassifyOptions,
  type Intent,
} from './intents.js';
import { replyWords } from './normalize.js';
import { buildTrie, scan, wordsOf, type Hit } from './phrase-trie.js';
import { setApartKeyword } from './set-apart.js';
import { typoOf } from './typos.js';
import {
  answerFiller,
  canon,
  confirmWords,
  declineWords,
  exclamations,
  helpKeywords,
  helpWhole,
  interjections,
  keywordFiller,
  leadingIdioms,
  optInKeywords,
  optInWhole,
  optOutKeywords,
  optOutWhole,
  resubscribeYes,
  setApartGate,
  stopModifiers,
  stopWords,
  wholeOnlyAnswers,
} from './words.js';

export type { Classification, ClassifyOptions, Intent } from './intents.js';

// Opt-out phrases are matched on their own, so no phrase of another kind can swallow their words.
const optOutPhrases = buildTrie([['opt_out', optOutGrammar, PHRASE]]);
const replyPhrases = buildTrie([
  ['opt_in', optInGrammar, PHRASE],
  ['help', helpGrammar, PHRASE],
  ['decline', declineGrammar, PHRASE],
  ['confirm', confirmGrammar, PHRASE],
  ['hedge', vocab.hedge!, PHRASE],
]);

const wrongNumberSign = /\bwrong\s*#/i;

const reading = (intent: Intent, confidence: number, reason: string, match: string | null): Classification => ({
  intent,
  confidence,
  reason,
  match,
});
const question = /\?/;

/**
 * How much of a reply is read in full. An answer to a business text is decided by its first words,
 * and 1,600 characters is the longest body the common providers deliver (Twilio's limit: ten
 * concatenated segments), so a longer "reply" is rare and mostly not from a person. Reading is
 * linear in the text, but not cheap: the cap keeps one huge message from holding the process.
 */
export const readLimit = 1_600;

/**
 * What a reply means. A reply longer than `readLimit` is read by its head; since a STOP is never
 * to be missed, its tail is read for an opt-out too, and the whole text for a STOP set apart
 * ("... Wrong number. STOP. ..."), which is a linear scan.
 */
export function classify(text: string, options: ClassifyOptions = {}): Classification {
  if (text.length <= readLimit) return classifyWhole(text, options);
  const head = classifyWhole(headOf(text), options);
  if (head.intent === 'opt_out') return head;
  const tail = classifyWhole(tailOf(text), options);
  if (tail.intent === 'opt_out') return { ...tail, reason: `${tail.reason}, at the end of a long reply` };
  const said = setApartKeyword(text);
  if (said) return reading('opt_out', SET_APART, `keyword "${said}" set apart, in a long reply`, said);
  return head;
}

/** The first `readLimit` characters, cut at a space when there is one in the last half. */
function headOf(text: string): string {
  for (let cut = readLimit; cut > readLimit / 2; cut--) if (isSpace(text[cut]!)) return text.slice(0, cut);
  const cut = isHighSurrogate(text.charCodeAt(readLimit - 1)) ? readLimit - 1 : readLimit;
  return text.slice(0, cut);
}

/** The last `readLimit` characters, cut at a space when there is one in the first half. */
function tailOf(text: string): string {
  const from = text.length - readLimit;
  for (let cut = from; cut < from + readLimit / 2; cut++) if (isSpace(text[cut - 1]!)) return text.slice(cut);
  return text.slice(isHighSurrogate(text.charCodeAt(from - 1)) ? from + 1 : from);
}

const space = /^\s$/;
const isSpace = (c: string) => space.test(c);
const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

function classifyWhole(text: string, options: ClassifyOptions): Classification {
  const threshold = options.threshold ?? defaultThreshold;
  let words = replyWords(text);
  if (hasStretch(text)) words = words.map(unstretch);
  if (spelledOut(words)) words = [words.join('')];
  const best = read(text, words, options.optedOut === true, threshold);
  if (best.intent === 'opt_out' || best.intent === 'unknown' || best.confidence >= threshold) return best;
  return reading('unknown', best.confidence, `${best.reason}: ${best.intent} below the ${threshold} threshold`, best.match);
}

/** Whether some letter comes three times in a row ("stoppp", "nooo"), without a regex per message. */
function hasStretch(text: string): boolean {
  for (let i = 2; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === text.charCodeAt(i - 1) && c === text.charCodeAt(i - 2) && (c > 127 || ((c | 32) >= 97 && (c | 32) <= 122))) return true;
  }
  return false;
}

/** "S T O P", "S.T.O.P.": a word spelled letter by letter. */
function spelledOut(words: string[]): boolean {
  if (words.length < 2 || words.length > 12) return false;
  for (const word of words) if (word.length !== 1) return false;
  return true;
}

const stretched = /(\p{L})\1\1/u;

/** "Stoppppp", "nooooo", "pleaseee" are emphasis, not new words; "cooool" is "cool", not "col". */
function unstretch(word: string): string {
  if (!stretched.test(word)) return word;
  const single = word.replace(/(\p{L})\1{2,}/gu, '$1');
  return knownWords.has(canon(single)) ? single : word.replace(/(\p{L})\1{2,}/gu, '$1$1');
}

/** The best reading at or above the threshold in precedence order, or the best guess below it. */
function read(text: string, words: string[], optedOut: boolean, threshold: number): Classification {
  if (words.length === 0) return readEmojiOnly(text);
  const keys = words.map(canon);
  const whole = keys.join(' ');
  const said = words.join(' ');

  const optOut = readOptOut(text, words, keys, whole);
  if (optOut) return optOut;

  if (optInKeywords.has(whole) || optInWhole.has(whole)) return reading('opt_in', KEYWORD, `keyword "${said}"`, said);
  if (optedOut && resubscribeYes.has(whole)) return reading('opt_in', KEYWORD, `keyword "${said}" from an opted-out contact`, said);
  const optInAt = keywordAmongFiller(keys, optInKeywords);
  if (optInAt >= 0) return reading('opt_in', KEYWORD_WITH_FILLER, `keyword "${words[optInAt]}"`, words[optInAt]!);
  if (optedOut && resubscribeYes.has(keys[0]!) && keys.every((k, i) => i === 0 || answerFiller.has(k))) {
    return reading('opt_in', KEYWORD_WITH_FILLER, `keyword "${words[0]}" from an opted-out contact`, words[0]!);
  }

  if (helpKeywords.has(whole) || helpWhole.has(whole)) return reading('help', KEYWORD, `keyword "${said}"`, said);
  const helpAt = keywordAmongFiller(keys, helpKeywords);
  if (helpAt >= 0) return reading('help', KEYWORD_WITH_FILLER, `keyword "${words[helpAt]}"`, words[helpAt]!);

  if (!question.test(text)) {
    if (confirmWords.has(whole)) return reading('confirm', KEYWORD, `keyword "${said}"`, said);
    if (declineWords.has(whole)) return reading('decline', KEYWORD, `keyword "${said}"`, said);
  }

  let guess: Classification | null = null;
  const candidates: Classification[] = [];
  const hits = scan(replyPhrases, keys, text, false);
  for (const hit of hits) {
    const intent = hit.phrase.intent;
    if (intent === 'opt_in' || intent === 'help') {
      const matched = words.slice(hit.start, hit.end).join(' ');
      candidates.push(
        reading(intent, hit.phrase.confidence, `${hit.phrase.confidence < PHRASE ? 'question' : 'phrase'} "${matched}"`, matched),
      );
    }
  }
  if (keys.length === 1) {
    const typo = typoOf(keys[0]!);
    // Resubscribing on a misread would text someone who asked us to stop: a misspelt START stays
    // a guess, below the default threshold.
    if (typo) candidates.push(reading(typo[1], typo[1] === 'opt_in' ? GUESS : TYPO, `typo of "${typo[0]}"`, words[0]!));
  }
  if (keys.includes('help')) candidates.push(reading('help', GUESS, 'mentions "help"', 'help'));
  const answer = readAnswer(text, words, keys, hits);
  if (answer) candidates.push(answer);
  const emoji = emojiIntent(text);
  if (emoji === 'confirm' || emoji === 'decline') candidates.push(reading(emoji, GUESS, 'emoji beside words without an answer', null));

  for (const candidate of candidates) {
    if (candidate.confidence >= threshold) return candidate;
    if (!guess || candidate.confidence > guess.confidence) guess = candidate;
  }
  return guess ?? reading('unknown', 0, 'no keyword, phrase or answer found', null);
}

function readEmojiOnly(text: string): Classification {
  const emoji = emojiIntent(text);
  const shown = text.trim();
  if (emoji) return reading(emoji, SET_APART, `emoji ${shown}`, shown);
  return reading('unknown', 0, shown === '' ? 'empty reply' : 'no words, and no emoji that answers', null);
}

/** Where the one keyword of an otherwise filler reply is ("please STOP", "stop it now"), or -1. */
function keywordAmongFiller(keys: string[], keywords: Set<string>): number {
  let at = -1;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (keywords.has(key)) {
      if (at >= 0 && keys[at] !== key) return -1;
      if (at < 0) at = i;
    } else if (!keywordFiller.has(key)) {
      return -1;
    }
  }
  return at;
}

function readOptOut(text: string, words: string[], keys: string[], whole: string): Classification | null {
  if (optOutKeywords.has(whole) || optOutWhole.has(whole)) {
    const said = words.join(' ');
    return reading('opt_out', KEYWORD, `keyword "${said}"`, said);
  }

  const phrase = scan(optOutPhrases, keys, text, true)[0];
  if (phrase) {
    const said = words.slice(phrase.start, phrase.end).join(' ');
    return reading('opt_out', PHRASE, `phrase "${said}"`, said);
  }

  const at = keywordAmongFiller(keys, optOutKeywords);
  if (at >= 0) return reading('opt_out', KEYWORD_WITH_FILLER, `keyword "${words[at]}"`, words[at]!);

  // "yes STOP", "I said stop", "who is this stop": STOP at the end, after anything that leaves it a
  // request rather than a noun or someone else's verb.
  let last = keys.length - 1;
  while (last > 0 && keywordFiller.has(keys[last]!) && !stopWords.has(keys[last]!)) last--;
  if (last > 0 && stopWords.has(keys[last]!) && !stopModifiers.has(keys[last - 1]!)) {
    return reading('opt_out', SET_APART, `keyword "${words[last]}" ends the reply`, words[last]!);
  }

  // "#" is punctuation to normalization, so "wrong #" arrives as "wrong".
  if (keys.includes('wrong') && wrongNumberSign.test(text)) return reading('opt_out', PHRASE, 'phrase "wrong #"', 'wrong #');

  if (keys.some((k) => setApartGate.has(k))) {
    const said = setApartKeyword(text);
    if (said) {
      return reading('opt_out', SET_APART, `keyword "${said}" set apart`, said);
    }
  }

  if (keys.every((k, i) => i === 0 || keywordFiller.has(k))) {
    const typo = typoOf(keys[0]!);
    if (typo && typo[1] === 'opt_out') return reading('opt_out', TYPO, `typo of "${typo[0]}"`, words[0]!);
  }
  return null;
}

const spanOf = (words: string[], hit: Hit) => words.slice(hit.start, hit.end).join(' ');

function readAnswer(text: string, words: string[], keys: string[], hits: Hit[]): Classification | null {
  let f = 0;
  while (f < keys.length - 1 && interjections.has(keys[f]!)) f++;
  const first = keys[f]!;
  const said = words[f]!;
  const exclaimed = f > 0 && exclamations.has(`${keys[f - 1]} ${first}`);
  const leadingIntent = exclaimed ? null : confirmWords.has(first) ? 'confirm' : declineWords.has(first) ? 'decline' : null;

  // "yes please", "no sorry", "ok ok", "oh yes 👍"; but "ok?" and "yes??" ask rather than answer.
  if (leadingIntent && first !== '1' && first !== '2') {
    const same = leadingIntent === 'confirm' ? confirmWords : declineWords;
    if (keys.every((k, i) => i === f || answerFiller.has(k) || (same.has(k) && !wholeOnlyAnswers.has(k)))) {
      if (question.test(text)) return reading(leadingIntent, GUESS, `keyword "${said}" asked as a question`, said);
      return reading(leadingIntent, KEYWORD_WITH_FILLER, `keyword "${said}"`, said);
    }
  }

  let confirm: Hit | undefined;
  let decline: Hit | undefined;
  let hedge: Hit | undefined;
  for (const hit of hits) {
    const intent = hit.phrase.intent;
    if (intent === 'confirm') confirm ??= hit;
    else if (intent === 'decline') decline ??= hit;
    else if (intent === 'hedge') hedge ??= hit;
  }
  // A leading yes or no counts only when no phrase already used it ("no problem", "yes please").
  const leading =
    leadingIntent && !wholeOnlyAnswers.has(first) && !hits.some((h) => h.start <= f) && !leadingIdioms.has(`${first} ${keys[f + 1] ?? ''}`)
      ? leadingIntent
      : null;

  // Rescheduling wins over everything else said ("yes but I need to reschedule"): it is the request
  // someone has to act on. Any other sign in the reply lowers the confidence.
  if (decline) {
    const against = confirm
      ? ` over "${spanOf(words, confirm)}"`
      : leading === 'confirm'
        ? ` over "${said}"`
        : hedge
          ? ` despite "${spanOf(words, hedge)}"`
          : '';
    return reading(
      'decline',
      against ? WEAK : decline.phrase.confidence,
      `phrase "${spanOf(words, decline)}"${against}`,
      spanOf(words, decline),
    );
  }
  if (confirm) {
    if (hedge)
      return reading('confirm', GUESS, `phrase "${spanOf(words, confirm)}" hedged by "${spanOf(words, hedge)}"`, spanOf(words, confirm));
    // "no, I'll be there": the specific phrase outweighs a bare "no", which may answer another
    // question ("any changes?", "do you need directions?"), but not by much.
    if (leading === 'decline') return reading('confirm', WEAK, `phrase "${spanOf(words, confirm)}" over "${said}"`, spanOf(words, confirm));
    return reading('confirm', confirm.phrase.confidence, `phrase "${spanOf(words, confirm)}"`, spanOf(words, confirm));
  }
  if (hedge) {
    if (leading) return reading(leading, GUESS, `"${said}" hedged by "${spanOf(words, hedge)}"`, said);
    return reading('unknown', 0, `hedge "${spanOf(words, hedge)}"`, spanOf(words, hedge));
  }

  if (leading) {
    const opposite = leading === 'confirm' ? declineWords : confirmWords;
    if (keys.some((k, i) => i > f && opposite.has(k) && !wholeOnlyAnswers.has(k))) {
      return reading(leading, GUESS, `"${said}" and its opposite in one reply`, said);
    }
    // An answer with a remark ("yes, 3pm works") is the answer; one followed by a question ("ok what
    // time?") may only acknowledge the message, so it is left to a person.
    if (question.test(text)) return reading(leading, GUESS, `"${said}" before a question`, said);
    return reading(leading, WEAK, `"${said}" leads the reply`, said);
  }

  // "yse please", "oh yse": a typo with filler around it.
  if (keys.length > 1 && keys.every((k, i) => i === f || answerFiller.has(k))) {
    const typo = typoOf(first);
    if (typo && (typo[1] === 'confirm' || typo[1] === 'decline')) return reading(typo[1], TYPO, `typo of "${typo[0]}"`, said);
  }
  if (first === 'thanks' || (first === 'thank' && keys[1] === 'you')) {
    if (keys.every((k) => answerFiller.has(k)))
      return reading('confirm', GUESS, 'thanks alone acknowledges, it does not answer', words.join(' '));
  }
  return null;
}

// Every word the tables know, so "pleaseee" becomes "please" while "cooool" stays "cool".
const knownWords = new Set<string>([
  ...keywordFiller,
  ...answerFiller,
  ...optOutKeywords,
  ...optInKeywords,
  ...helpKeywords,
  ...confirmWords,
  ...declineWords,
  ...wordsOf(optOutPhrases),
  ...wordsOf(replyPhrases),
]);
