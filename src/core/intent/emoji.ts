// Emoji: normalization removes them, so a reply of only 👍 is read here.

const confirmEmoji = /[\u{1F44D}\u{1F44C}\u2705\u2714\u2611\u{1F197}\u{1F4AF}\u{1F91D}\u{1F64C}\u{1F646}]/u;
const declineEmoji = /[\u{1F44E}\u274C\u274E\u2716\u{1F6AB}\u26D4\u{1F645}]/u;
const stopEmoji = /\u{1F6D1}/u;
// eslint-disable-next-line no-control-regex -- every ASCII character, control characters included
const asciiOnly = /^[\x00-\x7f]*$/;

/** What the emoji of a reply say: 👍 ✅ 👌 confirm, 👎 ❌ decline, 🛑 opt out; mixed signs say nothing. */
export function emojiIntent(text: string): 'confirm' | 'decline' | 'opt_out' | null {
  if (asciiOnly.test(text)) return null;
  if (stopEmoji.test(text)) return 'opt_out';
  const yes = confirmEmoji.test(text);
  const no = declineEmoji.test(text);
  return yes === no ? null : yes ? 'confirm' : 'decline';
}
