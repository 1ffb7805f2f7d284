import type { JobHandler } from '../queue/worker.js';
import type { EngineContext } from './context.js';
import { upsertContact, upsertConversation } from './conversations.js';
import { recordEvent } from './events.js';

/**
 * Decides what an inbound message means and acts on it, in its contact's turn. For now every
 * message joins its conversation and waits for a human; automation (opt-out, keywords, flows)
 * plugs in here, and its effects commit in the same transaction that completes the job.
 */
export function routeInboundHandler(ctx: EngineContext): JobHandler<'inbound.process'> {
  return async (job, { finish }) => {
    await finish(async (trx) => {
      const message = await trx.selectFrom('messages').selectAll().where('id', '=', job.payload.messageId).executeTakeFirst();
      if (!message || message.processed_at !== null) return;
      const now = Date.now();
      const contactId = await upsertContact(trx, message.from_number, now);
      const conversation = await upsertConversation(trx, contactId, message.channel, message.to_number, now);
      await trx
        .updateTable('messages')
        .set({ conversation_id: conversation.id, processed_at: now, updated_at: now })
        .where('id', '=', message.id)
        .execute();
      await recordEvent(
        trx,
        'message.received',
        {
          message_id: message.id,
          conversation_id: conversation.id,
          channel: message.channel,
          from: message.from_number,
          to: message.to_number,
          body: message.body,
          media_urls: JSON.parse(message.media_urls) as string[],
        },
        { contactId, messageId: message.id, now },
      );
      await trx
        .updateTable('conversations')
        .set({ status: 'needs_human', last_message_at: now, updated_at: now })
        .where('id', '=', conversation.id)
        .execute();
      if (conversation.status !== 'needs_human') {
        await recordEvent(
          trx,
          'conversation.needs_human',
          { conversation_id: conversation.id, contact_id: contactId, channel: message.channel, reason: 'unrouted' },
          { contactId, now },
        );
      }
    });
  };
}
