// A carrier keyword standing as its own clause: "Wrong number. STOP", "STOP! who is this?",
// "ok — stop — thanks", "🙄 quit". The keyword (STOP, STOP ALL, QUIT, any case) must be
//   after:  the start of the reply, one of . , ; : ! ? … ) or a newline, a dash between spaces
//           (" - ", " – ", " — "), or an emoji;
//   before: the end of the reply, one of . , ; : ! ? … ( or a newline, or an emoji;
// with only spaces, quotes and asterisks ("*STOP*", "'quit'") in between.
//
// This is read in one pass from each keyword outwards rather than with a regular expression: the
// obvious expression backtracks over every run of spaces and newlines once per place it could
// start, so a reply of "bus stop" and a few thousand newlines took seconds to read. Each run of
// spaces here is walked only from the keyword beside it, so the work is linear in the reply.

/** Characters that may sit between the keyword and what sets it apart. */
const isPadding = (c: string) => c === '"' || c === "'" || c === '*' || isSpace(c);
const opensClause = new Set(['.', ',', ';', ':', '!', '?', '\n', '\u2026', ')']);
const closesClause = new Set(['.', ',', ';', ':', '!', '?', '\n', '\u2026', '(']);
const isDash = (c: string) => c === '-' || c === '\u2013' || c === '\u2014';
const space = /^\s$/;
const isSpace = (c: string | undefined) => c !== undefined && space.test(c);
const pictographic = /^\p{Extended_Pictographic}$/u;

/** The keyword set apart in `text` ("stop", "stop all", "quit"), lowercased, or null. */
export function setApartKeyword(text: string): string | null {
  for (let at = 0; at < text.length; at++) {
    // Most characters start no keyword: one comparison passes them.
    const first = text.charCodeAt(at) | 32;
    if (first !== 115 && first !== 113 && first !== 0x17f) continue;
    const stop = matches(text, at, 'stop');
    if (!stop && !matches(text, at, 'quit')) continue;
    const end = at + 4;
    if (openedBefore(text, at)) {
      // STOP ALL is read first, as the longer keyword; when only STOP is set apart ("STOP\nall of
      // them"), STOP is.
      const all = stop ? stopAllEnd(text, end) : -1;
      if (all >= 0 && closedAfter(text, all)) return said(text.slice(at, all));
      if (closedAfter(text, end)) return said(text.slice(at, end));
    }
    at = end - 1;
  }
  return null;
}

const said = (keyword: string) => keyword.toLowerCase().replace(/[\s-]+/g, ' ');

/** Where "all" ends when it follows STOP (ending at `from`) after spaces or dashes only, or -1. */
function stopAllEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && (isSpace(text[i]) || text[i] === '-')) i++;
  return matches(text, i, 'all') ? i + 3 : -1;
}

/** Whether `word` (lowercase ASCII) is at `at`, in any case; "ſ" is an "s" to Unicode case folding. */
function matches(text: string, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let k = 0; k < word.length; k++) {
    const c = text.charCodeAt(at + k);
    const lower = c >= 65 && c <= 90 ? c + 32 : c === 0x17f ? 115 : c;
    if (lower !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** Whether the clause opens just before the padding that ends at `at`. */
function openedBefore(text: string, at: number): boolean {
  let start = at;
  let newline = false;
  while (start > 0 && isPadding(text[start - 1]!)) {
    start--;
    if (text[start] === '\n') newline = true;
  }
  if (start === 0 || newline) return true;
  const before = text[start - 1]!;
  if (opensClause.has(before) || pictographic.test(codePointEndingAt(text, start))) return true;
  // " - STOP": a space, dashes, and the padding starting with a space.
  if (start === at || !isSpace(text[start]) || !isDash(before)) return false;
  let i = start - 1;
  while (i > 0 && isDash(text[i - 1]!)) i--;
  return isSpace(text[i - 1]);
}

/** Whether the clause closes after the padding that starts at `end`. */
function closedAfter(text: string, end: number): boolean {
  let i = end;
  while (i < text.length && isPadding(text[i]!)) {
    if (text[i] === '\n') return true;
    i++;
  }
  if (i === text.length) return true;
  return closesClause.has(text[i]!) || pictographic.test(String.fromCodePoint(text.codePointAt(i)!));
}

/** The whole character (one or two UTF-16 units) that ends just before `at`. */
function codePointEndingAt(text: string, at: number): string {
  const low = text.charCodeAt(at - 1);
  if (low >= 0xdc00 && low <= 0xdfff && at >= 2) {
    const high = text.charCodeAt(at - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.slice(at - 2, at);
  }
  return text.slice(at - 1, at);
}
