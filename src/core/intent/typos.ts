import type { Known } from './intents.js';

// Typos: a single word one keyboard slip from a keyword. Short keywords sit close to ordinary words
// ("stop" → "step", "shop", "atop"), so for them a substitution counts only when it hits a
// neighbouring key, an inserted letter must double or neighbour the letters beside it, and the real
// words that remain are refused. Long keywords have no such neighbours: any one edit counts.

const keyboardRows = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const neighbours = new Map<string, string>();
keyboardRows.forEach((row, r) => {
  for (let i = 0; i < row.length; i++) {
    // Rows are staggered: the keys touching position i are i-1 and i on the row below, i and i+1
    // on the row above.
    const touching = [
      row[i - 1],
      row[i + 1],
      keyboardRows[r + 1]?.[i - 1],
      keyboardRows[r + 1]?.[i],
      keyboardRows[r - 1]?.[i],
      keyboardRows[r - 1]?.[i + 1],
    ];
    neighbours.set(row[i]!, touching.filter((c) => c !== undefined).join(''));
  }
});
const near = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && (neighbours.get(a)?.includes(b) ?? false);

/** One keyboard slip apart: adjacent letters swapped, a letter dropped, a fat-finger insertion or substitution. */
export function isKeyboardSlip(word: string, target: string): boolean {
  const lw = word.length;
  const lt = target.length;
  const loose = lt >= 7;
  let i = 0;
  while (i < lw && i < lt && word[i] === target[i]) i++;
  if (lw === lt) {
    if (i === lw) return false;
    if (word.slice(i + 1) === target.slice(i + 1)) return loose || near(word[i], target[i]);
    return word[i] === target[i + 1] && word[i + 1] === target[i] && word.slice(i + 2) === target.slice(i + 2);
  }
  if (lw === lt + 1) {
    if (word.slice(i + 1) !== target.slice(i)) return false;
    const extra = word[i];
    return loose || extra === target[i - 1] || extra === target[i] || near(extra, target[i - 1]) || near(extra, target[i]);
  }
  if (lw === lt - 1) return word.slice(i) === target.slice(i + 1);
  return false;
}

// Keywords of four letters or more; shorter ones ("yes", "end") have too many real neighbours.
// prettier-ignore
const typoTargets: Array<[string, Known]> = [
  ['stop', 'opt_out'], ['stopall', 'opt_out'], ['unsubscribe', 'opt_out'], ['optout', 'opt_out'], ['revoke', 'opt_out'], ['cancel', 'opt_out'], ['quit', 'opt_out'],
  ['start', 'opt_in'], ['unstop', 'opt_in'], ['subscribe', 'opt_in'], ['resubscribe', 'opt_in'],
  ['help', 'help'], ['info', 'help'],
  ['confirm', 'confirm'], ['confirmed', 'confirm'], ['okay', 'confirm'], ['sure', 'confirm'], ['yeah', 'confirm'], ['absolutely', 'confirm'],
  ['definitely', 'confirm'], ['perfect', 'confirm'], ['correct', 'confirm'], ['certainly', 'confirm'], ['great', 'confirm'], ['alright', 'confirm'],
  ['awesome', 'confirm'], ['nope', 'decline'], ['reschedule', 'decline'],
];
// The real words among the slips of the targets above (found by listing every slip of each).
// prettier-ignore
const realWords = new Set([
  'top', 'atop', 'strop', 'yelp', 'hell', 'helo', 'hel', 'into', 'tart', 'stat', 'star', 'starr', 'sue', 'sire', 'surd', 'surer',
  'kay', 'olay', 'hope', 'mope', 'treat', 'greta', 'evoke', 'conform', 'conformed', 'alight', 'aright', 'subscriber',
]);
// Misspellings beyond one slip, and slips of words too short for the rule ("yes" → "yse").
// prettier-ignore
const knownTypos = new Map<string, [string, Known]>([
  ...['yse', 'ys', 'yess', 'yeas', 'yez', 'yws', 'ues', 'tes', 'yesd', 'yees', 'yeys', 'yss', 'uyes', 'yesa'].map((w): [string, [string, Known]] => [w, ['yes', 'confirm']]),
  ['definately', ['definitely', 'confirm']], ['definatly', ['definitely', 'confirm']], ['defintely', ['definitely', 'confirm']],
  ['absolutly', ['absolutely', 'confirm']], ['confrim', ['confirm', 'confirm']], ['comfirm', ['confirm', 'confirm']],
  ['comfirmed', ['confirmed', 'confirm']], ['confimed', ['confirmed', 'confirm']], ['yeap', ['yep', 'confirm']], ['yepp', ['yep', 'confirm']],
  ['yupp', ['yup', 'confirm']], ['noo', ['no', 'decline']], ['nno', ['no', 'decline']], ['nahh', ['nah', 'decline']],
]);

export function typoOf(word: string): [string, Known] | null {
  const known = knownTypos.get(word);
  if (known) return known;
  if (word.length < 3 || realWords.has(word)) return null;
  for (const entry of typoTargets) {
    if (Math.abs(entry[0].length - word.length) <= 1 && isKeyboardSlip(word, entry[0])) return entry;
  }
  return null;
}
