import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { renderTemplate } from '../core/template.js';
import { precompile } from '../store/precompiled.js';
import type { ConversationRow, Database, MessageOrigin, MessageRow } from '../store/schema.js';
import type { EngineContext } from '../runtime/context.js';
import { handOff } from '../conversations/handoff.js';
import { queueOutbound } from './send.js';

/** What a reply template can say: the business, the contact and the message being answered. */
export async function templateValues(
  trx: Kysely<Database>,
  ctx: EngineContext,
  inbound: MessageRow,
  contactId: string,
): Promise<Record<string, unknown>> {
  const contact = await trx
    .selectFrom('contacts')
    .select(['phone', 'fields', 'tags'])
    .where('id', '=', contactId)
    .executeTakeFirstOrThrow();
  return templateValuesOf(ctx, inbound, contact);
}

/** `templateValues` from a contact the caller already read. */
export function templateValuesOf(
  ctx: EngineContext,
  inbound: MessageRow,
  contact: { phone: string; fields: string; tags: string },
): Record<string, unknown> {
  return {
    business: ctx.config.automation.business_name,
    contact: { phone: contact.phone, fields: JSON.parse(contact.fields) as unknown, tags: JSON.parse(contact.tags) as unknown },
    message: { body: inbound.body },
  };
}

/**
 * Answers an inbound message automatically, on the number it was sent to. Replies from
 * automation are bounded per contact (`loop_protection`): past the bound, Parley stops answering
 * and hands the conversation to a human, since it is most likely talking to another machine.
 * The compliance confirmation is never held back. Returns the queued message, or null if held.
 */
export async function autoReply(
  trx: Kysely<Database>,
  ctx: EngineContext,
  inbound: MessageRow,
  conversation: ConversationRow,
  text: string,
  /** Fills the template in `text`; null when `text` is already the final message (a flow's). */
  values: Record<string, unknown> | null,
  now: number,
  origin: MessageOrigin = 'automation',
  /** Set when the caller read, in this transaction, that the texter has not opted out (queueOutbound then need not ask again). */
  notSuppressed = false,
): Promise<MessageRow | null> {
  if (origin === 'automation') {
    const { max_replies, window } = ctx.config.automation.loop_protection;
    const [recent] = (await countRecentReplies(trx, { to_number: inbound.from_number, since: now - window })).rows;
    if (Number(recent!.n) >= max_replies) {
      ctx.log.warn({ conversation: conversation.id }, 'automatic replies paused: the contact answers every message (auto-responder?)');
      await handOff(trx, conversation, 'auto_reply_loop', now);
      return null;
    }
  }
  return queueOutbound(
    trx,
    ctx,
    {
      channel: inbound.channel,
      from: inbound.to_number,
      to: inbound.from_number,
      body: values === null ? text : renderTemplate(text, values),
      replyToId: inbound.id,
      origin,
      conversation,
      now,
      ...(notSuppressed ? { suppressed: false } : {}),
    },
    { onSuppressed: 'record' },
  );
}

// Asked before every automatic reply: compiled once (see store/precompiled.ts).
const countRecentReplies = precompile(['to_number', 'since'], (db, p: { to_number: string; since: number }) =>
  db
    .selectFrom('messages')
    .select(sql<number>`count(*)`.as('n'))
    .where('to_number', '=', p.to_number)
    .where('origin', '=', 'automation')
    .where('created_at', '>', p.since),
);
