import { emojiIn, normalizeReply } from './normalize.js';

// Reads what a reply to a business text means. Order is a compliance rule, not a preference:
// opt-out is checked first and wins over everything, so no reading of a message as "yes" or "help"
// can ever hide a STOP. Then opt-in, help, and the answers (confirm / decline).
//
// Confidence is a plain scale, fixed per kind of evidence, so thresholds mean the same everywhere:
//   1.0   the whole reply is a keyword ("STOP", "yes", "2")
//   0.95  a keyword followed only by filler ("stop please", "yes thanks")
//   0.9   a phrase that says it ("stop texting me", "can't make it", "sounds good")
//   0.85  strong but indirect ("I said STOP", "no problem", a lone 👍)
//   0.8   a recognizable typo of a keyword ("stpo", "yse")
//   0.75  a yes or no leading a remark we cannot otherwise read ("yes, 3pm works")
//   0.6   a yes or no leading a question ("ok what time?"): below the default threshold

export type Intent = 'opt_out' | 'opt_in' | 'help' | 'confirm' | 'decline' | 'unknown';

export interface Classification {
  intent: Intent;
  confidence: number;
  /** Why, for people: 'keyword "stop"', 'phrase "can\'t make it"', 'typo of "yes"'. */
  reason: string;
  /** The keyword or phrase that matched, normalized; null for unknown with no guess. */
  match: string | null;
}

export interface ClassifyOptions {
  /** Below this confidence the reply is `unknown` (default 0.7). */
  threshold?: number;
  /** The contact is opted out: a bare YES then means "resubscribe me". */
  optedOut?: boolean;
}

export const defaultThreshold = 0.7;

// Carrier opt-out keywords. CANCEL is one of them: read alone it is always an opt-out, never a
// "decline", because the other reading keeps texting someone who asked us to stop.
const optOutKeywords = new Set(['stop', 'stopall', 'stop all', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout', 'opt out']);
const optInKeywords = new Set(['start', 'unstop', 'subscribe', 'resubscribe', 'resume']);
const helpKeywords = new Set(['help', 'info', 'information', 'help me', 'help please', 'info please']);

// Words that may follow a keyword without changing what it says ("STOP please", "yes thanks").
const filler = new Set([
  'please', 'pls', 'plz', 'now', 'it', 'thanks', 'thank', 'you', 'thx', 'ty', 'me', 'all', 'this', 'that', 'them',
  'immediately', 'asap', 'already', 'again', 'just', 'ok', 'okay', 'sir', 'maam', 'mam', 'lol', 'haha', 'and',
  'texts', 'texting', 'messages', 'messaging', 'msgs', 'txts', 'sms', 'sending', 'right', 'away', 'for', 'good', 'sorry',
  "ma'am",
]);

// Free-text revocations: the FCC lets consumers revoke consent "by any reasonable means". Each
// pattern needs an object that makes it about messages or about us, which is what keeps "stop by
// later" and "can't stop laughing" out.
const revocations: Array<[RegExp, string]> = [
  [/\b(?:stop|quit|cease|discontinue)\s+(?:with\s+)?(?:(?:the|these|those|your|ur|all|any)\s+)?(?:texting|txting|texing|messaging|msging|sending|contacting|calling|bothering|spamming|harassing|emailing|texts?|messages?|msgs?|sms|notifications?|reminders?|alerts?)\b/, 'stop texting'],
  [/\b(?:don't|dont|do not|never)\s+(?:ever\s+)?(?:text|txt|message|msg|contact|sms|send\s+me)\b(?!\s+(?:me\s+)?(?:before|after|until|between|on|at|during)\b)/, "don't text me"],
  [/\b(?:remove|delete|take|get)\s+(?:me|my\s+(?:number|phone|cell|#|info|details))\s+(?:off|from|out of)\b/, 'remove me from your list'],
  [/\bremove\s+(?:me|my\s+number)\b/, 'remove me'],
  [/\bunsubscribe\b/, 'unsubscribe'],
  [/\bopt(?:ing)?\s*-?\s*(?:me\s+)?out\b/, 'opt out'],
  [/\bleave\s+me\s+alone\b/, 'leave me alone'],
  [/\bno\s+more\s+(?:texts?|txts?|messages?|msgs?|sms|reminders?|notifications?)\b/, 'no more texts'],
  [/\blose\s+my\s+number\b/, 'lose my number'],
  [/\b(?:i\s+)?(?:do\s+not|don't|dont)\s+want\s+(?:any\s+(?:more\s+)?|these\s+|your\s+)?(?:texts?|messages?|msgs?|sms)\b/, "don't want texts"],
  [/\b(?:revoke|withdraw)\s+(?:my\s+)?consent\b/, 'revoke consent'],
  [/\bwrong\s+(?:number|person|#)\b/, 'wrong number'],
  [/\bnot\s+interested\b.*\b(?:stop|remove|texts?|messages?)\b/, 'not interested, stop'],
  [/^(?:please|pls|plz)\s+stop\b/, 'please stop'],
  [/^(?:stop|quit)\s+(?:it|this|that)\b/, 'stop it'],
];

// "..., stop" / "I said STOP": the bare word set apart from the sentence, or shouted.
const stopAsOwnClause = /[,.;:!-]\s*(?:stop|unsubscribe|stopall)\W*$/i;
const shoutedKeyword = /\b(?:STOP|STOPALL|UNSUBSCRIBE|OPTOUT)\b/;

const confirmWords = new Set([
  'yes', 'y', 'yep', 'yeah', 'yup', 'ya', 'yah', 'yas', 'yess', 'yesss', 'yea', 'yeh', 'ye', 'sure', 'ok', 'okay', 'okey', 'k', 'kk',
  'confirm', 'confirmed', 'confirming', 'correct', 'absolutely', 'definitely', 'certainly', 'perfect', 'great', 'fine',
  'affirmative', 'yessir', 'si', 'oui', 'np', 'agreed', 'excellent', 'awesome', 'alright', 'aight', 'cool', '1',
]);
const declineWords = new Set(['no', 'n', 'nope', 'nah', 'na', 'nay', 'negative', 'nein', '2', 'reschedule', 'rescheduling']);

const confirmPhrases: string[] = [
  'sounds good', 'sounds great', 'sounds perfect', "i'll be there", 'ill be there', 'i will be there', "we'll be there",
  'will be there', 'be there', 'see you then', 'see you there', 'see u then', 'see ya then', 'see you soon', 'works for me',
  'that works', 'that is fine', "that's fine", 'thats fine', 'of course', 'yes please', 'will do', 'count me in',
  'looking forward', "i'll come", 'i will come', "i'm coming", 'im coming', 'on my way', 'no problem', 'no worries',
  'all good', 'all set', 'that time works', 'that works for me', 'good for me', 'yes i will', 'i confirm', 'i can make it',
  'i can come', 'i can be there', 'can make it', 'got it', 'will attend', "i'll attend", 'still on', "i'm in", 'im in',
  'sure thing', "can't wait", 'cant wait',
];
const declinePhrases: string[] = [
  "can't make it", 'cant make it', 'cannot make it', 'can not make it', "won't make it", 'wont make it', 'not going to make it',
  'not gonna make it', 'unable to make it', "couldn't make it", 'need to reschedule', 'have to reschedule', 'want to reschedule',
  'like to reschedule', 'need to change', 'need to move', 'move my appointment', 'change my appointment', 'different time',
  'another time', 'another day', "can't come", 'cant come', 'cannot come', "can't go", "won't be able", 'wont be able',
  'not be able', 'not able to', 'not available', 'unavailable', 'something came up', 'no thanks', 'no thank you',
  'cancel my appointment', 'cancel the appointment', 'cancel appointment', 'cancel my appt', "can't do", 'cant do',
  "won't be there", 'wont be there', 'not coming', "i'm sick", 'im sick', 'not today', 'not tomorrow', "don't think so",
  'dont think so', 'not this time', 'no can do',
];

// Answers only when they are the whole reply: "I can't" is a refusal, "I can't stop laughing" is not.
const wholeAnswers = new Map<string, 'confirm' | 'decline'>([
  ["i can't", 'decline'], ['i cant', 'decline'], ['i cannot', 'decline'], ["i can't sorry", 'decline'],
  ['i can', 'confirm'], ['i will', 'confirm'], ['we will', 'confirm'], ['yes i can', 'confirm'],
]);

// A leading "no" or "ok" that is not an answer.
const leadingIdioms = new Set(['no idea', 'no clue', 'ok so', 'okay so', 'no one', 'no way']);

const confirmEmoji = new Set(['👍', '✅', '👌', '🙌', '✔', '☑', '🆗', '💯', '🤝']);
const declineEmoji = new Set(['👎', '❌', '🚫', '⛔', '✖']);

// Common misspellings of the words above, beyond what the edit-distance check allows.
const yesTypos = new Set(['yse', 'ys', 'yes', 'yws', 'yed', 'tes', 'ues', 'yesd', 'yeas', 'yez', 'yss', 'yeys']);
const noTypos = new Set(['mo', 'bo', 'nl', 'noo', 'nooo', 'nno']);

// Keywords long enough that one slip of the thumb cannot make another common word.
const optOutTypoTargets = ['unsubscribe', 'optout', 'stopall', 'revoke'];
const answerTypoTargets: Array<[string, 'confirm' | 'decline']> = [
  ['confirm', 'confirm'], ['confirmed', 'confirm'], ['okay', 'confirm'], ['sure', 'confirm'], ['yeah', 'confirm'],
  ['absolutely', 'confirm'], ['definitely', 'confirm'], ['perfect', 'confirm'], ['reschedule', 'decline'], ['nope', 'decline'],
];

const phraseIndex = buildPhraseMatcher([
  ...confirmPhrases.map((p) => [p, 'confirm'] as const),
  ...declinePhrases.map((p) => [p, 'decline'] as const),
]);

function buildPhraseMatcher(phrases: ReadonlyArray<readonly [string, 'confirm' | 'decline']>) {
  // Longest first, so "that works for me" is reported rather than "that works".
  const sorted = [...phrases].sort((a, b) => b[0].length - a[0].length);
  const escaped = sorted.map(([p]) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`(?:^| )(${escaped.join('|')})(?= |$)`, 'g');
  const intentOf = new Map(sorted.map(([p, i]) => [p, i]));
  return { pattern, intentOf };
}

const result = (intent: Intent, confidence: number, reason: string, match: string | null): Classification => ({ intent, confidence, reason, match });

export function classify(text: string, options: ClassifyOptions = {}): Classification {
  const threshold = options.threshold ?? defaultThreshold;
  const normalized = normalizeReply(text);
  const reading = read(text, normalized, options.optedOut === true);
  if (reading.confidence >= threshold) return reading;
  return { intent: 'unknown', confidence: reading.confidence, reason: reading.match ? `below threshold: ${reading.reason}` : reading.reason, match: reading.match };
}

function read(text: string, normalized: string, optedOut: boolean): Classification {
  const words = normalized === '' ? [] : normalized.split(' ');

  const optOut = readOptOut(text, normalized, words);
  if (optOut) return optOut;

  if (optInKeywords.has(normalized)) return result('opt_in', 1, `keyword "${normalized}"`, normalized);
  if (words.length > 1 && optInKeywords.has(words[0]!) && words.slice(1).every((w) => filler.has(w))) {
    return result('opt_in', 0.95, `keyword "${words[0]}"`, words[0]!);
  }
  if (optedOut && (normalized === 'yes' || normalized === 'y' || normalized === 'yes please')) {
    return result('opt_in', 1, 'YES from an opted-out contact', normalized);
  }

  if (helpKeywords.has(normalized)) return result('help', 1, `keyword "${normalized}"`, normalized);
  if (/^(?:what is this|what's this|whats this|who is this|who's this|whos this|who are you)$/.test(normalized)) {
    return result('help', 0.75, `question "${normalized}"`, normalized);
  }

  return readAnswer(text, normalized, words);
}

function readOptOut(text: string, normalized: string, words: string[]): Classification | null {
  if (optOutKeywords.has(normalized)) return result('opt_out', 1, `keyword "${normalized}"`, normalized);
  const first = words[0];
  if (first !== undefined && words.length > 1 && optOutKeywords.has(first) && words.slice(1).every((w) => filler.has(w))) {
    return result('opt_out', 0.95, `keyword "${first}"`, first);
  }
  if (words.length === 2 && optOutKeywords.has(`${words[0]} ${words[1]}`)) return result('opt_out', 1, `keyword "${normalized}"`, normalized);
  for (const [pattern, label] of revocations) {
    if (pattern.test(normalized)) return result('opt_out', 0.9, `phrase "${label}"`, label);
  }
  if (stopAsOwnClause.test(text.trim())) return result('opt_out', 0.85, 'STOP set apart at the end', 'stop');
  if (shoutedKeyword.test(text)) return result('opt_out', 0.85, 'keyword in capitals', text.match(shoutedKeyword)![0].toLowerCase());
  if (words.length === 1) {
    const word = words[0]!;
    // STOP is short: only slips that keep its letters (swapped, doubled, dropped) count, so
    // "step", "shop" and "atop" stay words of their own.
    if (isStopSlip(word)) return result('opt_out', 0.8, 'typo of "stop"', word);
    for (const target of optOutTypoTargets) {
      if (word !== target && withinOneEdit(word, target)) return result('opt_out', 0.8, `typo of "${target}"`, word);
    }
  }
  return null;
}

function isStopSlip(word: string): boolean {
  if (word === 'stop' || word.length < 3 || word.length > 5) return false;
  const letters = [...word].sort().join('');
  if (word.length === 4) return letters === 'opst' && withinOneEdit(word, 'stop'); // stpo, sotp, tsop — not spot or post
  if (word.length === 5) return /^s+t+o+p+$/.test(word); // stopp, sstop, stoop
  return word === 'stp' || word === 'sop'; // a dropped letter
}

function readAnswer(text: string, normalized: string, words: string[]): Classification {
  const emoji = emojiIn(text);
  const emojiVote = emoji.some((e) => declineEmoji.has(e)) ? 'decline' : emoji.some((e) => confirmEmoji.has(e)) ? 'confirm' : null;

  if (words.length === 0) {
    if (emojiVote) return result(emojiVote, 0.85, `emoji ${emoji.join('')}`, emoji.join(''));
    return result('unknown', 0, 'nothing to read', null);
  }

  if (words.length === 1) {
    const word = words[0]!;
    if (confirmWords.has(word)) return result('confirm', 1, `keyword "${word}"`, word);
    if (declineWords.has(word)) return result('decline', 1, `keyword "${word}"`, word);
  }
  const whole = wholeAnswers.get(normalized);
  if (whole) return result(whole, 0.9, `reply "${normalized}"`, normalized);

  // Phrases decide before leading words: in "yes but I need to reschedule" the rescheduling is the
  // answer, and in "no problem, see you then" the "no" is not a refusal.
  let phraseConfirm: string | null = null;
  let phraseDecline: string | null = null;
  phraseIndex.pattern.lastIndex = 0;
  for (let m = phraseIndex.pattern.exec(normalized); m; m = phraseIndex.pattern.exec(normalized)) {
    const phrase = m[1]!;
    if (phraseIndex.intentOf.get(phrase) === 'decline') phraseDecline ??= phrase;
    else phraseConfirm ??= phrase;
  }
  if (phraseDecline) return result('decline', 0.9, `phrase "${phraseDecline}"`, phraseDecline);
  if (phraseConfirm) return result('confirm', 0.9, `phrase "${phraseConfirm}"`, phraseConfirm);

  const first = words[0]!;
  const rest = words.slice(1);
  if (rest.every((w) => filler.has(w) || confirmWords.has(w))) {
    if (confirmWords.has(first)) return result('confirm', 0.95, `keyword "${first}"`, first);
  }
  if (rest.every((w) => filler.has(w) || declineWords.has(w))) {
    if (declineWords.has(first)) return result('decline', 0.95, `keyword "${first}"`, first);
  }

  if (words.length === 1) {
    const word = words[0]!;
    if (yesTypos.has(word)) return result('confirm', 0.8, 'typo of "yes"', word);
    if (noTypos.has(word)) return result('decline', 0.8, 'typo of "no"', word);
    for (const [target, intent] of answerTypoTargets) {
      if (withinOneEdit(word, target)) return result(intent, 0.8, `typo of "${target}"`, word);
    }
  }

  if (emojiVote) return result(emojiVote, 0.85, `emoji ${emoji.join('')}`, emoji.join(''));

  // A leading yes or no, then more words: an answer with a remark ("yes, 3pm works") reads as the
  // answer; followed by a question ("yes what time?") it is only a guess, left for a human under the
  // default threshold.
  const leading = confirmWords.has(first) ? 'confirm' : declineWords.has(first) ? 'decline' : null;
  if (leading && first !== '1' && first !== '2' && !leadingIdioms.has(`${first} ${words[1]}`)) {
    const asks = /\?\s*\p{Extended_Pictographic}*\s*$/u.test(text);
    return result(leading, asks ? 0.6 : 0.75, `starts with "${first}"${asks ? ' but asks a question' : ''}`, first);
  }
  return result('unknown', 0, 'no keyword, phrase or answer found', null);
}

/** Damerau–Levenshtein distance ≤ 1 (one insertion, deletion, substitution or adjacent swap). */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // swap
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
