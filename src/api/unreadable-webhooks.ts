import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../runtime/context.js';
import { ParleyError } from '../errors.js';
import type { UnreadableWebhookRow } from '../inbound/unreadable.js';
import { discardUnreadable, findUnreadable, replayUnreadable } from '../inbound/unreadable-replay.js';
import { dateTime, noContent, nullable, object, pagedQuery, params, v1Responses, type Schema, pagedList } from '../http/schemas.js';
import { afterCursor, page, type ListSort } from './cursor.js';

const listQuerySchema = pagedQuery({ channel: { type: 'string', maxLength: 64 } }, { max: 500, default: 100 });

const sort: ListSort = { list: 'unreadable-webhooks', columns: ['id'], direction: 'desc' };

const unreadableSchema = object({
  id: { type: 'integer' },
  channel: { type: 'string' },
  path: { type: 'string' },
  method: { type: 'string' },
  url: { type: 'string' },
  content_type: nullable('string'),
  body: { type: 'string' },
  body_base64: { ...nullable('string'), description: 'The exact bytes, which the signature covers.' },
  error: object({ code: { type: 'string' }, message: { type: 'string' } }),
  received_at: dateTime,
});

const replayedSchema = {
  type: 'object',
  required: ['id', 'replayed', 'kind'],
  properties: {
    id: { type: 'integer' },
    replayed: { type: 'boolean' },
    kind: { type: 'string', enum: ['inbound', 'status', 'ignored'] },
    message_id: { type: 'string' },
    duplicate: { type: 'boolean' },
    spooled: { type: 'boolean' },
    ignored: { type: 'string' },
  },
};

function serialize(row: UnreadableWebhookRow) {
  return {
    id: row.id,
    channel: row.channel,
    path: row.path,
    method: row.method,
    url: row.url,
    content_type: row.content_type,
    body: row.body,
    // The exact bytes, which the provider's signature covers; null for webhooks kept before Parley kept them.
    body_base64: row.raw_body ? Buffer.from(row.raw_body).toString('base64') : null,
    error: { code: row.error_code, message: row.error_message },
    received_at: new Date(row.received_at).toISOString(),
  };
}

/**
 * Verified webhooks Parley could not read (inbound/unreadable.ts), for operators: list them, replay
 * one once Parley reads its format (stored exactly once, like any webhook, then removed), or
 * discard it.
 */
export function registerUnreadableWebhookRoutes(api: FastifyInstance, ctx: EngineContext): void {
  const find = async (rawId: string): Promise<UnreadableWebhookRow> => {
    const row = await findUnreadable(ctx.store.db, rawId);
    if (!row) throw new ParleyError('not_found', 'No unreadable webhook has this id.');
    return row;
  };

  api.get<{ Querystring: { channel?: string; cursor?: string; limit: number } }>(
    '/v1/unreadable-webhooks',
    { schema: pagedList('Verified webhooks Parley could not read, newest first', listQuerySchema, unreadableSchema) },
    async (request) => {
      const { channel, cursor, limit } = request.query;
      let query = ctx.store.db
        .selectFrom('unreadable_webhooks')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (channel) query = query.where('channel', '=', channel);
      if (cursor !== undefined) query = query.where(afterCursor(sort, cursor));
      const { rows, next_cursor } = page(sort, await query.execute(), limit, (row) => [row.id]);
      return { data: rows.map(serialize), next_cursor };
    },
  );

  const one = (summary: string, ok: Record<string, Schema>, ...codes: Parameters<typeof v1Responses>[1][]) => ({
    schema: { summary, params: params('id'), response: v1Responses(ok, 'not_found', ...codes) },
  });

  api.get<{ Params: { id: string } }>(
    '/v1/unreadable-webhooks/:id',
    one('An unreadable webhook', { 200: unreadableSchema }),
    async (request) => serialize(await find(request.params.id)),
  );

  // Still unreadable, the replay answers the parse error (a 4xx), and the webhook stays kept.
  const replayErrors = ['invalid_json', 'unsupported_media_type', 'invalid_phone_number', 'unknown_channel'] as const;
  api.post<{ Params: { id: string } }>(
    '/v1/unreadable-webhooks/:id/replay',
    one('Replay an unreadable webhook', { 200: replayedSchema }, ...replayErrors),
    async (request) => {
      const row = await find(request.params.id);
      // Still unreadable: the parse error is the answer, and the webhook stays kept.
      const stored = await replayUnreadable(ctx, row);
      return { id: row.id, replayed: true, ...stored };
    },
  );

  api.delete<{ Params: { id: string } }>(
    '/v1/unreadable-webhooks/:id',
    one('Discard an unreadable webhook', { 204: noContent }),
    async (request, reply) => {
      const row = await find(request.params.id);
      await ctx.store.write((trx) => discardUnreadable(trx, row.id));
      return reply.status(204).send();
    },
  );
}
