import { vocab, type PhraseIntent } from './grammars.js';
import { canon, keywordFiller, leadFiller, negationWords, negators, restrictionWords } from './words.js';

// The machinery that turns the phrase grammars (grammars.ts) into a word trie at load, and finds
// the leftmost-longest phrases of a reply in it.

/** A canonical word, any word of a set, or a gap of up to N words. */
type Part = string | Set<string> | number;

interface Phrase {
  intent: PhraseIntent;
  confidence: number;
  /** Words and word sets it matches, gaps not counted: at one position the bigger phrase wins. */
  size: number;
  /** The order written, which settles ties. */
  rank: number;
  start: boolean;
  end: boolean;
  /** Starts with a verb that "don't" turns around: "don't stop the reminders". */
  negatable: boolean;
  /** Starts with a "no" that only reads as part of the phrase when nothing separates them. */
  negationLed: boolean;
  /** May be followed by terms that turn it into a restriction: "don't text me before 9". */
  restrictable: boolean;
}

const ceaseVerbs = new Set(vocab.cease);
// "No, need to change the time" is a no and a request; "no need to change" is neither.
const negationAlone =
  /\b(?:no|not|don['\u2019]?t|do not|won['\u2019]?t|will not|didn['\u2019]?t|did not|doesn['\u2019]?t|does not|wouldn['\u2019]?t|would not)\s*[,.;:!?\u2026]/i;

function expand(pattern: string): string[][] {
  let results: string[][] = [[]];
  for (const slot of parseSlots(pattern)) {
    const next: string[][] = [];
    for (const prefix of results) for (const alternative of slot) next.push([...prefix, ...alternative]);
    results = next;
  }
  return results;
}

function parseSlots(pattern: string): string[][][] {
  const slots: string[][][] = [];
  for (const m of pattern.matchAll(/\(([^)]*)\)|\[([^\]]*)\]|(\S+)/g)) {
    if (m[1] !== undefined) slots.push(alternatives(m[1]));
    else if (m[2] !== undefined) slots.push([[], ...alternatives(m[2])]);
    else slots.push(alternatives(m[3]!));
  }
  return slots;
}

function alternatives(group: string): string[][] {
  return group.split('|').flatMap((alternative) => {
    let results: string[][] = [[]];
    for (const word of alternative.trim().split(/\s+/)) {
      const ref = /^\{(\w+)\}$/.exec(word);
      const options = ref ? fromVocab(ref[1]!) : [[word]];
      results = results.flatMap((prefix) => options.map((o) => [...prefix, ...o]));
    }
    return results;
  });
}

function fromVocab(name: string): string[][] {
  const list = vocab[name];
  if (!list) throw new Error(`intent grammar: no vocabulary {${name}}`);
  return list.flatMap((entry) => alternatives(entry));
}

const wordSets = new Map<string, Set<string>>();
function wordSet(name: string): Set<string> {
  let set = wordSets.get(name);
  if (!set) {
    const list = vocab[name];
    if (!list || list.some((w) => w.includes(' '))) throw new Error(`intent grammar: <${name}> needs a vocabulary of single words`);
    wordSets.set(name, (set = new Set(list.map(canon))));
  }
  return set;
}

function part(word: string): Part {
  if (word.startsWith('*')) return Number(word.slice(1));
  if (word.startsWith('<')) return wordSet(word.slice(1, -1));
  return canon(word);
}

// Phrases share their beginnings in a word trie, so matching at a word of a reply costs a few map
// lookups however many thousand phrases the grammars expand to.
export interface Node {
  words: Map<string, Node>;
  sets: Array<{ set: Set<string>; node: Node }>;
  gaps: Array<{ most: number; node: Node }>;
  ends: Phrase[];
}

const newNode = (): Node => ({ words: new Map(), sets: [], gaps: [], ends: [] });

function childOf(node: Node, p: Part): Node {
  if (typeof p === 'string') {
    let next = node.words.get(p);
    if (!next) node.words.set(p, (next = newNode()));
    return next;
  }
  if (typeof p === 'number') {
    let edge = node.gaps.find((g) => g.most === p);
    if (!edge) node.gaps.push((edge = { most: p, node: newNode() }));
    return edge.node;
  }
  let edge = node.sets.find((e) => e.set === p);
  if (!edge) node.sets.push((edge = { set: p, node: newNode() }));
  return edge.node;
}

export function buildTrie(grammars: Array<[PhraseIntent, ReadonlyArray<string | [string, number]>, number]>): Node {
  const root = newNode();
  const seen = new Set<string>();
  let rank = 0;
  for (const [intent, patterns, defaultConfidence] of grammars) {
    for (const item of patterns) {
      const [written, confidence] = typeof item === 'string' ? [item, defaultConfidence] : item;
      const restrictable = written.startsWith('~');
      const pattern = restrictable ? written.slice(1) : written;
      rank++;
      for (const raw of expand(pattern)) {
        const start = raw[0] === '^';
        const end = raw[raw.length - 1] === '$';
        const words = raw.filter((w) => w !== '^' && w !== '$');
        const key = `${start ? '^' : ''}${words.join(' ')}${end ? '$' : ''}`;
        if (words.length === 0 || seen.has(key)) continue;
        seen.add(key);
        const parts = words.map(part);
        const first = parts[0];
        if (typeof first !== 'string') throw new Error(`intent grammar: "${pattern}" must start with a word`);
        let node = root;
        for (const p of parts) node = childOf(node, p);
        node.ends.push({
          intent,
          confidence,
          size: parts.filter((p) => typeof p !== 'number').length,
          rank,
          start,
          end,
          negatable: intent === 'opt_out' && ceaseVerbs.has(first),
          negationLed: intent === 'confirm' && negationWords.has(first),
          restrictable,
        });
      }
    }
  }
  return root;
}

export interface Hit {
  phrase: Phrase;
  start: number;
  end: number;
}

// The state of one scan, outside the recursion so that matching allocates nothing but its hits.
let scanKeys: string[] = [];
let scanText = '';
let scanFrom = 0;
let scanLeading = true;
let negationKnown = false;
let negationStandsAlone = false;
let best: Phrase | null = null;
let bestEnd = 0;

/** Leftmost-longest phrase matches, in order. */
export function scan(root: Node, keys: string[], text: string, firstOnly: boolean): Hit[] {
  const hits: Hit[] = [];
  scanKeys = keys;
  scanText = text;
  scanLeading = true;
  negationKnown = false;
  for (let i = 0; i < keys.length;) {
    const phrase = longestAt(root, i);
    if (phrase) {
      hits.push({ phrase, start: i, end: bestEnd });
      if (firstOnly) break;
      i = bestEnd;
      scanLeading = false;
    } else {
      if (!leadFiller.has(keys[i]!)) scanLeading = false;
      i++;
    }
  }
  scanKeys = [];
  scanText = '';
  return hits;
}

function longestAt(root: Node, i: number): Phrase | null {
  best = null;
  const first = root.words.get(scanKeys[i]!);
  if (first) {
    scanFrom = i;
    walk(first, i + 1);
  }
  return best;
}

function walk(node: Node, at: number): void {
  for (let j = 0; j < node.ends.length; j++) {
    const phrase = node.ends[j]!;
    if (best && (phrase.size < best.size || (phrase.size === best.size && (at > bestEnd || (at === bestEnd && phrase.rank >= best.rank)))))
      continue;
    if (accepts(phrase, at)) {
      best = phrase;
      bestEnd = at;
    }
  }
  if (at < scanKeys.length) {
    const key = scanKeys[at]!;
    const next = node.words.get(key);
    if (next) walk(next, at + 1);
    for (let j = 0; j < node.sets.length; j++) if (node.sets[j]!.set.has(key)) walk(node.sets[j]!.node, at + 1);
  }
  for (let j = 0; j < node.gaps.length; j++) {
    const gap = node.gaps[j]!;
    for (let skip = 0; skip <= gap.most && at + skip <= scanKeys.length; skip++) walk(gap.node, at + skip);
  }
}

function accepts(phrase: Phrase, end: number): boolean {
  const keys = scanKeys;
  if (phrase.start && !scanLeading) return false;
  // "Why don't you stop texting me" still asks us to stop.
  if (phrase.negatable && scanFrom > 0 && negators.has(keys[scanFrom - 1]!) && keys[scanFrom - 2] !== 'why') return false;
  if (phrase.negationLed) {
    if (!negationKnown) {
      negationStandsAlone = negationAlone.test(scanText);
      negationKnown = true;
    }
    if (negationStandsAlone) return false;
  }
  if (phrase.end) {
    for (let j = end; j < keys.length; j++) if (!keywordFiller.has(keys[j]!)) return false;
    return true;
  }
  // "at all" insists; "at work" restricts.
  return !(
    phrase.restrictable &&
    end < keys.length &&
    restrictionWords.has(keys[end]!) &&
    !(keys[end] === 'at' && keys[end + 1] === 'all')
  );
}

/** Every word a trie knows. */
export function wordsOf(node: Node): string[] {
  return [
    ...[...node.words].flatMap(([word, next]) => [word, ...wordsOf(next)]),
    ...node.sets.flatMap((e) => [...e.set, ...wordsOf(e.node)]),
    ...node.gaps.flatMap((g) => wordsOf(g.node)),
  ];
}
