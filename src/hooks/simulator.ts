import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../runtime/context.js';
import { ParleyError } from '../errors.js';
import { headerValue, hmacSha256HexMatches } from '../providers/hmac.js';

/** What the simulator's reply lookup signs: a fixed prefix keeps it from doubling as a webhook signature. */
export function simRepliesSigningInput(messageId: string): string {
  return `sim-replies:${messageId}`;
}

/**
 * `GET /hooks/:channel/replies?message=ID` on a sim channel: whether Parley has processed an inbound
 * message, and the replies it queued for it. Signed like the channel's webhooks (X-Signature over
 * `sim-replies:ID`), so only whoever holds the simulator secret can read conversations.
 */
export function registerSimulatorRoutes(app: FastifyInstance, ctx: EngineContext): void {
  app.get<{ Params: { channel: string }; Querystring: { message?: string } }>('/hooks/:channel/replies', async (request) => {
    const channel = ctx.channels.get(request.params.channel);
    if (!channel || channel.config.provider !== 'sim') throw new ParleyError('unknown_channel', 'No simulator channel has this name.');
    const messageId = typeof request.query.message === 'string' ? request.query.message : '';
    if (!messageId) throw new ParleyError('invalid_payload', 'message: the inbound message id is required.');
    // No message id holds a NUL, and PostgreSQL cannot compare text with one.
    if (messageId.includes('\u0000')) throw new ParleyError('not_found', 'No such inbound message on this channel.');
    const signature = headerValue(request.headers, 'x-signature') ?? '';
    if (!hmacSha256HexMatches(channel.config.secret ?? '', simRepliesSigningInput(messageId), signature))
      throw new ParleyError('invalid_signature');

    const inbound = await ctx.store.db
      .selectFrom('messages')
      .select(['id', 'processed_at'])
      .where('id', '=', messageId)
      .where('channel', '=', channel.name)
      .executeTakeFirst();
    if (!inbound) throw new ParleyError('not_found', 'No such inbound message on this channel.');
    const replies = await ctx.store.db
      .selectFrom('messages')
      .select(['id', 'body', 'status', 'from_number', 'to_number', 'created_at'])
      .where('reply_to_id', '=', messageId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return {
      message_id: inbound.id,
      processed: inbound.processed_at !== null,
      replies: replies.map((r) => ({ id: r.id, from: r.from_number, to: r.to_number, body: r.body, status: r.status })),
    };
  });
}
