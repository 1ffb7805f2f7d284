import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../runtime/context.js';
import { closeConversation } from '../conversations/handoff.js';
import { loadConversation, queueAgentReply } from '../outbound/agent-reply.js';
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

  const load = (id: string) => loadConversation(db, id);
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
      const row = await ctx.store.write((trx) => queueAgentReply(trx, ctx, conversation, request.body.body));
      ctx.jobsQueued();
      return reply.status(202).send(messageJson(row));
    },
  );

  api.post<{ Params: { id: string } }>('/v1/conversations/:id/close', async (request) => {
    const conversation = await load(request.params.id);
    await ctx.store.write((trx) => closeConversation(trx, conversation, Date.now()));
    return conversationJson({ ...conversation, status: 'closed' });
  });
}
