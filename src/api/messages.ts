import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../runtime/context.js';
import { sendMessage } from '../outbound/send.js';
import { ParleyError } from '../errors.js';
import { messageJson } from './serialize.js';

interface SendBody {
  channel?: string;
  to: string;
  body: string;
  from?: string;
}

const sendBodySchema = {
  type: 'object',
  required: ['to', 'body'],
  additionalProperties: false,
  properties: {
    channel: { type: 'string', minLength: 1, maxLength: 64 },
    to: { type: 'string', minLength: 1, maxLength: 64 },
    from: { type: 'string', minLength: 1, maxLength: 64 },
    body: { type: 'string', minLength: 1, maxLength: 1600 },
  },
} as const;

export function registerMessageRoutes(api: FastifyInstance, ctx: EngineContext): void {
  api.post<{ Body: SendBody }>('/v1/messages', { schema: { body: sendBodySchema } }, async (request, reply) => {
    const row = await sendMessage(ctx, request.body);
    return reply.status(202).send(messageJson(row));
  });

  api.get<{ Params: { id: string } }>('/v1/messages/:id', async (request) => {
    const row = await ctx.store.db.selectFrom('messages').selectAll().where('id', '=', request.params.id).executeTakeFirst();
    if (!row) throw new ParleyError('not_found', 'No message has this id.');
    const history = await ctx.store.db
      .selectFrom('events')
      .select(['type', 'occurred_at', 'data'])
      .where('message_id', '=', row.id)
      .orderBy('occurred_at')
      .orderBy('id')
      .execute();
    return {
      ...messageJson(row),
      events: history.map((e) => ({ type: e.type, at: new Date(e.occurred_at).toISOString(), data: JSON.parse(e.data) as unknown })),
    };
  });
}
