import { sql, type Kysely } from 'kysely';
import { precompile } from '../store/precompiled.js';
import type { ConversationRow, Database } from '../store/schema.js';
import { recordEvent, type NeedsHumanReason } from '../events/events.js';

/**
 * Puts a conversation in the human queue. The event fires only when it enters the queue, not for
 * every further message while it waits there, with one exception: automatic replies paused by loop
 * protection (`auto_reply_loop`) replace the reason it waits for, and say so once, since from then on
 * nothing answers the contact but a person.
 */
export async function handOff(
  trx: Kysely<Database>,
  conversation: ConversationRow,
  reason: NeedsHumanReason,
  now: number,
  /** When the router acknowledged the message it hands off: written with the hand-off, in one update. */
  acknowledgedAt: number | null = null,
): Promise<boolean> {
  if (conversation.status === 'needs_human' && (reason !== 'auto_reply_loop' || conversation.needs_human_reason === reason)) return false;
  await markNeedsHuman(trx, { id: conversation.id, reason, acknowledged_at: acknowledgedAt, now });
  if (acknowledgedAt !== null) conversation.acknowledged_at = acknowledgedAt;
  conversation.status = 'needs_human';
  conversation.needs_human_reason = reason;
  await recordEvent(
    trx,
    'conversation.needs_human',
    { conversation_id: conversation.id, contact_id: conversation.contact_id, channel: conversation.channel, reason },
    { contactId: conversation.contact_id, now },
  );
  return true;
}

/** Closes a conversation (an agent is done with it); closing a closed one changes nothing. Returns whether it changed. */
export async function closeConversation(trx: Kysely<Database>, conversation: ConversationRow, now: number): Promise<boolean> {
  const updated = await trx
    .updateTable('conversations')
    .set({ status: 'closed', needs_human_reason: null, updated_at: now })
    .where('id', '=', conversation.id)
    .where('status', '!=', 'closed')
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) return false;
  await recordEvent(
    trx,
    'conversation.closed',
    { conversation_id: conversation.id, contact_id: conversation.contact_id, channel: conversation.channel },
    { contactId: conversation.contact_id, now },
  );
  return true;
}

// Most unanswered messages end here: compiled once (see store/precompiled.ts).
const markNeedsHuman = precompile(
  ['id', 'reason', 'acknowledged_at', 'now'],
  (db, p: { id: string; reason: string; acknowledged_at: number | null; now: number }) =>
    db
      .updateTable('conversations')
      .set({
        status: 'needs_human',
        needs_human_reason: p.reason,
        acknowledged_at: sql<number | null>`coalesce(${p.acknowledged_at}, acknowledged_at)`,
        updated_at: p.now,
      })
      .where('id', '=', p.id),
);
