import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../runtime/context.js';
import { closeConversation } from '../conversations/handoff.js';
import { loadConversation, queueAgentReply } from '../outbound/agent-reply.js';
import { messageJson } from './serialize.js';
import { afterCursor, page, type ListSort } from './cursor.js';
import { dateTime, nullable, object, pagedQuery, params, ref, v1Responses, pagedList } from '../http/schemas.js';

const listQuerySchema = pagedQuery({ status: { type: 'string', enum: ['open', 'needs_human', 'closed'] } }, { max: 500, default: 50 });

/** The latest conversation first; ids break ties of the time. */
const sort: ListSort = { list: 'conversations', columns: ['conversations.last_message_at', 'conversations.id'], direction: 'desc' };

const conversationProperties = {
  id: { type: 'string' },
  contact_id: { type: 'string' },
  contact_phone: { type: 'string' },
  channel: { type: 'string' },
  local_number: { type: 'string' },
  status: { type: 'string', enum: ['open', 'needs_human', 'closed'] },
  needs_human_reason: nullable('string'),
  last_message_at: dateTime,
};
const conversationSchema = object(conversationProperties);

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

  api.get<{ Querystring: { status?: 'open' | 'needs_human' | 'closed'; cursor?: string; limit: number } }>(
    '/v1/conversations',
    { schema: pagedList('Conversations, the latest first', listQuerySchema, conversationSchema) },
    async (request) => {
      const { status, cursor, limit } = request.query;
      let query = db
        .selectFrom('conversations')
        .innerJoin('contacts', 'contacts.id', 'conversations.contact_id')
        .selectAll('conversations')
        .select('contacts.phone')
        .orderBy('conversations.last_message_at', 'desc')
        .orderBy('conversations.id', 'desc')
        .limit(limit + 1);
      if (status) query = query.where('conversations.status', '=', status);
      if (cursor !== undefined) query = query.where(afterCursor(sort, cursor));
      const { rows, next_cursor } = page(sort, await query.execute(), limit, (row) => [row.last_message_at, row.id]);
      return { data: rows.map(conversationJson), next_cursor };
    },
  );

  const conversationWithMessages = object({ ...conversationProperties, messages: { type: 'array', items: ref('Message') } });
  api.get<{ Params: { id: string } }>(
    '/v1/conversations/:id',
    {
      schema: {
        summary: 'A conversation with its messages',
        params: params('id'),
        response: v1Responses({ 200: conversationWithMessages }, 'not_found'),
      },
    },
    async (request) => {
      const conversation = await load(request.params.id);
      const messages = await db.selectFrom('messages').selectAll().where('conversation_id', '=', conversation.id).orderBy('id').execute();
      return { ...conversationJson(conversation), messages: messages.map(messageJson) };
    },
  );

  api.post<{ Params: { id: string }; Body: { body: string } }>(
    '/v1/conversations/:id/messages',
    {
      schema: {
        summary: "Answer in a conversation (an agent's reply)",
        params: params('id'),
        body: replyBodySchema,
        response: v1Responses({ 202: ref('Message') }, 'not_found', 'opted_out', 'channel_unavailable'),
      },
    },
    async (request, reply) => {
      const conversation = await load(request.params.id);
      const row = await ctx.store.write((trx) => queueAgentReply(trx, ctx, conversation, request.body.body));
      ctx.jobsQueued();
      return reply.status(202).send(messageJson(row));
    },
  );

  api.post<{ Params: { id: string } }>(
    '/v1/conversations/:id/close',
    { schema: { summary: 'Close a conversation', params: params('id'), response: v1Responses({ 200: conversationSchema }, 'not_found') } },
    async (request) => {
      const conversation = await load(request.params.id);
      await ctx.store.write((trx) => closeConversation(trx, conversation, Date.now()));
      return conversationJson({ ...conversation, status: 'closed' });
    },
  );
}
