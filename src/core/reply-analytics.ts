import { normalizeReply } from './intent/normalize.js';

export interface ReplyRecord {
  /** What the business last sent in the conversation before this reply; null if nothing. */
  prompt: string | null;
  intent: string;
  body: string;
}

export interface PromptReport {
  prompt: string | null;
  replies: number;
  intents: Array<{ intent: string; count: number; share: number }>;
  /** The commonest replies the classifier could not read: what confuses people about this message. */
  top_unrecognized: Array<{ text: string; count: number; share: number }>;
}

const share = (count: number, total: number) => Math.round((count / total) * 1000) / 1000;

/**
 * Groups replies by the message they answer, with the share of each intent and the most common
 * unrecognized replies ("31% of replies to the reminder are 'what time again?'"), busiest first.
 */
export function summarizeReplies(records: Iterable<ReplyRecord>, topUnrecognized = 5): PromptReport[] {
  const byPrompt = new Map<
    string | null,
    { replies: number; intents: Map<string, number>; unknown: Map<string, { text: string; count: number }> }
  >();
  for (const record of records) {
    let group = byPrompt.get(record.prompt);
    if (!group) {
      group = { replies: 0, intents: new Map(), unknown: new Map() };
      byPrompt.set(record.prompt, group);
    }
    group.replies++;
    group.intents.set(record.intent, (group.intents.get(record.intent) ?? 0) + 1);
    if (record.intent === 'unknown') {
      // Counted by normalized text, so "What time again?" and "what time again" are one reply,
      // shown as first written.
      const key = normalizeReply(record.body);
      const seen = group.unknown.get(key);
      if (seen) seen.count++;
      else group.unknown.set(key, { text: record.body.trim(), count: 1 });
    }
  }
  return [...byPrompt.entries()]
    .map(([prompt, g]) => ({
      prompt,
      replies: g.replies,
      intents: [...g.intents.entries()]
        .map(([intent, count]) => ({ intent, count, share: share(count, g.replies) }))
        .sort((a, b) => b.count - a.count || a.intent.localeCompare(b.intent)),
      top_unrecognized: [...g.unknown.values()]
        .sort((a, b) => b.count - a.count || a.text.localeCompare(b.text))
        .slice(0, topUnrecognized)
        .map((u) => ({ text: u.text, count: u.count, share: share(u.count, g.replies) })),
    }))
    .sort((a, b) => b.replies - a.replies);
}
