import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../runtime/context.js';
import { recordEvent } from '../events/events.js';
import { queueOutbound } from '../outbound/send.js';
import { ParleyError } from '../errors.js';
import { messageJson } from './serialize.js';

const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['open', 'needs_human', 'closed'] },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  },
} as const;

const replyBodySchema = {
  type: 'object',
  required: ['body'],
  additionalProperties: false,
  properties: { body: { type: 'string', minLength: 1, maxLength: 1600 } },
} as const;

/** The human queue: agents list the conversations waiting for them, answer, and close them. */
export function registerConversationRoutes(api: FastifyInstance, ctx: EngineContext): void {
  const db = ctx.store.db;

  const load = async (id: string) => {
    const row = await db
      .selectFrom('conversations')
      .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
      .selectAll('conversations')
      .select('contacts.phone')
      .where('conversations.id', '=', id)
      .executeTakeFirst();
    if (!row) throw new ParleyError('not_found', 'No conversation has this id.');
    return row;
  };
  const conversationJson = (row: Awaited<ReturnType<typeof load>>) => ({
    id: row.id,
    contact_id: row.contact_id,
    contact_phone: row.phone,
    channel: row.channel,
    local_number: row.local_number,
    status: row.status,
    needs_human_reason: row.status === 'needs_human' ? row.needs_human_reason : null,
    last_message_at: new Date(row.last_message_at).toISOString(),
  });

  api.get<{ Querystring: { status?: 'open' | 'needs_human' | 'closed'; limit: number } }>(
    '/v1/conversations',
    { schema: { querystring: listQuerySchema } },
    async (request) => {
      let query = db
        .selectFrom('conversations')
        .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
        .selectAll('conversations')
        .select('contacts.phone')
        .orderBy('conversations.last_message_at', 'desc')
        .limit(request.query.limit);
      if (request.query.status) query = query.where('conversations.status', '=', request.query.status);
      return { data: (await query.execute()).map(conversationJson) };
    },
  );

  api.get<{ Params: { id: string } }>('/v1/conversations/:id', async (request) => {
    const conversation = await load(request.params.id);
    const messages = await db.selectFrom('messages').selectAll().where('conversation_id', '=', conversation.id).orderBy('id').execute();
    return { ...conversationJson(conversation), messages: messages.map(messageJson) };
  });

  api.post<{ Params: { id: string }; Body: { body: string } }>(
    '/v1/conversations/:id/messages',
    { schema: { body: replyBodySchema } },
    async (request, reply) => {
      const conversation = await load(request.params.id);
      const row = await ctx.store.write((trx) =>
        queueOutbound(trx, ctx, {
          channel: conversation.channel,
          from: conversation.local_number,
          to: conversation.phone,
          body: request.body.body,
          origin: 'agent',
        }),
      );
      ctx.jobsQueued();
      return reply.status(202).send(messageJson(row));
    },
  );

  api.post<{ Params: { id: string } }>('/v1/conversations/:id/close', async (request) => {
    const conversation = await load(request.params.id);
    if (conversation.status !== 'closed') {
      await ctx.store.write(async (trx) => {
        const now = Date.now();
        await trx
          .updateTable('conversations')
          .set({ status: 'closed', needs_human_reason: null, updated_at: now })
          .where('id', '=', conversation.id)
          .execute();
        await recordEvent(
          trx,
          'conversation.closed',
          { conversation_id: conversation.id, contact_id: conversation.contact_id, channel: conversation.channel },
          { contactId: conversation.contact_id, now },
        );
      });
    }
    return conversationJson({ ...conversation, status: 'closed' });
  });
}
