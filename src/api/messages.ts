import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../runtime/context.js';
import { queueComposed, type ComposedSend } from '../outbound/compose.js';
import { cancelScheduled } from '../outbound/scheduled.js';
import { ParleyError } from '../errors.js';
import { messageProperties, object, params, ref, v1Responses, dateTime } from '../http/schemas.js';
import { answerOnce, idempotencyHeaders } from './idempotency.js';
import { registerMessageListRoute } from './message-list.js';
import { registerMessageTraceRoute } from './message-trace.js';
import { messageJson } from './serialize.js';
import { readSendAt } from './send-at.js';

interface SendBody {
  channel?: string;
  to: string;
  body?: string;
  template?: string;
  vars?: Record<string, unknown>;
  send_at?: string;
  from?: string;
}

const sendBodySchema = {
  type: 'object',
  required: ['to'],
  additionalProperties: false,
  properties: {
    channel: { type: 'string', minLength: 1, maxLength: 64 },
    to: { type: 'string', minLength: 1, maxLength: 64 },
    from: { type: 'string', minLength: 1, maxLength: 64 },
    body: { type: 'string', minLength: 1, maxLength: 1600 },
    template: { type: 'string', minLength: 1, maxLength: 64 },
    vars: { type: 'object', maxProperties: 64 },
    send_at: { type: 'string', format: 'date-time' },
  },
} as const;

const messageWithEvents = object({
  ...messageProperties,
  events: {
    type: 'array',
    description: "The message's events, oldest first.",
    items: object({ type: { type: 'string' }, at: dateTime, data: { description: "The event's data (GET /v1/event-types)." } }),
  },
});

export function registerMessageRoutes(api: FastifyInstance, ctx: EngineContext): void {
  const sendSchema = {
    summary: 'Send a text, now or at send_at',
    body: sendBodySchema,
    headers: idempotencyHeaders,
    response: v1Responses(
      { 202: ref('Message') },
      'invalid_phone_number',
      'unknown_channel',
      'opted_out',
      'channel_unavailable',
      'unknown_template',
      'template_vars_missing',
      'template_invalid',
      'idempotency_key_reused',
    ),
  };
  api.post<{ Body: SendBody }>('/v1/messages', { schema: sendSchema }, async (request, reply) => {
    const send = readSend(request.body);
    return answerOnce(ctx, request, reply, 'messages.create', async (trx) => {
      const row = await queueComposed(trx, ctx, send);
      return { status: 202, body: messageJson(row) };
    }).finally(() => ctx.jobsQueued());
  });

  registerMessageListRoute(api, ctx);
  registerMessageTraceRoute(api, ctx);

  api.get<{ Params: { id: string } }>(
    '/v1/messages/:id',
    {
      schema: {
        summary: 'A message with its events',
        params: params('id'),
        response: v1Responses({ 200: messageWithEvents }, 'not_found'),
      },
    },
    async (request) => {
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
    },
  );

  api.post<{ Params: { id: string } }>(
    '/v1/messages/:id/cancel',
    {
      schema: {
        summary: 'Cancel a scheduled message',
        params: params('id'),
        response: v1Responses({ 200: ref('Message') }, 'not_found', 'not_cancelable'),
      },
    },
    async (request) => {
      const row = await ctx.store.write(async (trx) => {
        await cancelScheduled(trx, request.params.id);
        return trx.selectFrom('messages').selectAll().where('id', '=', request.params.id).executeTakeFirstOrThrow();
      });
      return messageJson(row);
    },
  );

  /** The request as the outbound path takes it; what JSON Schema cannot say is checked here. */
  function readSend(body: SendBody): ComposedSend {
    if ((body.body === undefined) === (body.template === undefined)) {
      throw new ParleyError('invalid_payload', 'body: give either body (the text) or template (a template name), not both or neither.');
    }
    if (body.vars !== undefined && body.template === undefined) throw new ParleyError('invalid_payload', 'vars: only with template.');
    const send: ComposedSend = { to: body.to };
    if (body.channel !== undefined) send.channel = body.channel;
    if (body.from !== undefined) send.from = body.from;
    if (body.body !== undefined) send.body = body.body;
    if (body.template !== undefined) send.template = body.template;
    if (body.vars !== undefined) send.vars = body.vars;
    if (body.send_at !== undefined) send.sendAt = readSendAt(ctx, body.send_at);
    return send;
  }
}
