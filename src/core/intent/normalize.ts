// Replies arrive as people type them: capitals, curly apostrophes from phone keyboards, "!!!",
// emoji, fullwidth letters from some input methods. Everything that reads replies (the classifier,
// keyword rules, reply analytics) first brings them to one plain form, so "Can’t make it!!" and
// "can't make it" are the same reply: lowercase words separated by single spaces, punctuation and
// emoji gone, apostrophes kept only inside words ("can't", not "'yes'").

// Most replies are plain ASCII, and NFKC leaves ASCII unchanged: those skip the Unicode work.
// eslint-disable-next-line no-control-regex -- every ASCII character, control characters included
const asciiOnly = /^[\x00-\x7f]*$/;
const asciiWord = /[a-z0-9]+(?:'[a-z0-9]+)*/g;

// Phones send U+2019 for an apostrophe; some keyboards send the others.
const apostropheLike = /[\u2018\u2019\u201b\u02bc\u02b9\u0060\u00b4\u2032]/g;
// Variation selectors and the keycap mark would otherwise stick to the word before them
// ("1️⃣" is "1" + U+FE0F + U+20E3, and both are combining marks).
const emojiMarks = /[\ufe0e\ufe0f\u20e3]/g;
// Marks stay inside words: scripts such as Devanagari write vowels with them.
const unicodeWord = /[\p{L}\p{N}][\p{L}\p{N}\p{Mn}\p{Mc}]*(?:'[\p{L}\p{N}][\p{L}\p{N}\p{Mn}\p{Mc}]*)*/gu;

/** The words of a reply, normalized: what `normalizeReply` joins with spaces. */
export function replyWords(text: string): string[] {
  if (asciiOnly.test(text)) return text.toLowerCase().match(asciiWord) ?? [];
  const plain = text.normalize('NFKC').toLowerCase().replace(apostropheLike, "'").replace(emojiMarks, '');
  return plain.match(unicodeWord) ?? [];
}

/** Lowercase words separated by single spaces: no punctuation, no emoji, straight apostrophes. */
export function normalizeReply(text: string): string {
  return replyWords(text).join(' ');
}

/** The words of an already normalized reply. */
export function tokens(normalized: string): string[] {
  return normalized === '' ? [] : normalized.split(' ');
}
