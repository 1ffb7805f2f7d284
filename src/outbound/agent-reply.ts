import type { Kysely } from 'kysely';
import { ParleyError } from '../errors.js';
import type { ConversationRow, Database, MessageRow } from '../store/schema.js';
import type { EngineContext } from '../runtime/context.js';
import { queueOutbound } from './send.js';

export type ConversationWithPhone = ConversationRow & { phone: string };

/** A conversation with its contact's number; a 404 `not_found` when there is none. */
export async function loadConversation(db: Kysely<Database>, id: string): Promise<ConversationWithPhone> {
  const row = await db
    .selectFrom('conversations')
    .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
    .selectAll('conversations')
    .select('contacts.phone')
    .where('conversations.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new ParleyError('not_found', 'No conversation has this id.');
  return row;
}

/**
 * An agent's reply in a conversation, queued in the caller's transaction: the one path the API
 * (`POST /v1/conversations/:id/messages`) and the console share. An opted-out contact is refused
 * with 422 `opted_out`. The caller calls `ctx.jobsQueued()` after its commit.
 */
export function queueAgentReply(
  trx: Kysely<Database>,
  ctx: EngineContext,
  conversation: ConversationWithPhone,
  body: string,
): Promise<MessageRow> {
  return queueOutbound(trx, ctx, {
    channel: conversation.channel,
    from: conversation.local_number,
    to: conversation.phone,
    body,
    origin: 'agent',
  });
}
