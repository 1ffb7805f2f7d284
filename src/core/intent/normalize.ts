// Replies arrive as people type them: curly apostrophes from phones, capitals, "!!!", emoji. The
// classifier matches words, so everything is first brought to one plain form.

const apostrophes = /[\u2018\u2019\u201b\u0060\u00b4\u02bc]/g;
const quotes = /[\u201c\u201d\u201e]/g;
// Emoji and their modifiers (skin tones, variation selectors, zero-width joiners, keycaps).
const emoji = /[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\u{FE0E}\u{FE0F}\u{200D}\u{20E3}]/gu;
// Anything but letters, digits, apostrophes and spaces separates words.
const separators = /[^\p{L}\p{N}' ]+/gu;
const spaces = /\s+/g;

/** Lowercase words separated by single spaces: no punctuation, no emoji, straight apostrophes. */
export function normalizeReply(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(apostrophes, "'")
    .replace(quotes, '"')
    .replace(emoji, ' ')
    .replace(separators, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/g, '$1')
    .replace(spaces, ' ')
    .trim();
}

/** The emoji in a reply, in order (a lone 👍 is an answer). */
export function emojiIn(text: string): string[] {
  return text.match(/\p{Extended_Pictographic}/gu) ?? [];
}
