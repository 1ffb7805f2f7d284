import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../runtime/context.js';
import { ParleyError } from '../errors.js';
import type { UnreadableWebhookRow } from '../inbound/unreadable.js';
import { discardUnreadable, findUnreadable, replayUnreadable } from '../inbound/unreadable-replay.js';

const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    channel: { type: 'string', maxLength: 64 },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
} as const;

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

  api.get<{ Querystring: { channel?: string; limit: number } }>(
    '/v1/unreadable-webhooks',
    { schema: { querystring: listQuerySchema } },
    async (request) => {
      let query = ctx.store.db.selectFrom('unreadable_webhooks').selectAll().orderBy('id', 'desc').limit(request.query.limit);
      if (request.query.channel) query = query.where('channel', '=', request.query.channel);
      return { data: (await query.execute()).map(serialize) };
    },
  );

  api.get<{ Params: { id: string } }>('/v1/unreadable-webhooks/:id', async (request) => serialize(await find(request.params.id)));

  api.post<{ Params: { id: string } }>('/v1/unreadable-webhooks/:id/replay', async (request) => {
    const row = await find(request.params.id);
    // Still unreadable: the parse error is the answer, and the webhook stays kept.
    const stored = await replayUnreadable(ctx, row);
    return { id: row.id, replayed: true, ...stored };
  });

  api.delete<{ Params: { id: string } }>('/v1/unreadable-webhooks/:id', async (request, reply) => {
    const row = await find(request.params.id);
    await ctx.store.write((trx) => discardUnreadable(trx, row.id));
    return reply.status(204).send();
  });
}
