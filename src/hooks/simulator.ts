import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../store/schema.js';
import type { EngineContext } from '../runtime/context.js';
import { ParleyError } from '../errors.js';
import { isSuppressed } from '../consent/consent.js';
import { headerValue, hmacSha256HexMatches } from '../providers/hmac.js';
import { apiErrors, object, params } from '../http/schemas.js';

/** What the simulator's reply lookup signs: a fixed prefix keeps it from doubling as a webhook signature. */
export function simRepliesSigningInput(messageId: string): string {
  return `sim-replies:${messageId}`;
}

/**
 * `GET /hooks/:channel/replies?message=ID` on a sim channel: whether Parley has processed an inbound
 * message, and the replies it queued for it. Signed like the channel's webhooks (X-Signature over
 * `sim-replies:ID`), so only whoever holds the simulator secret can read conversations.
 */
const repliesSchema = {
  summary: "The simulator's replies to an inbound message (sim channels; signed X-Signature)",
  params: params('channel'),
  querystring: { type: 'object', properties: { message: { type: 'string', description: 'The inbound message id.' } } },
  headers: {
    type: 'object',
    properties: { 'x-signature': { type: 'string', description: 'HMAC-SHA256 hex of `sim-replies:<message>`.' } },
  },
  response: {
    200: object(
      {
        message_id: { type: 'string' },
        processed: { type: 'boolean' },
        replies: {
          type: 'array',
          items: object({
            id: { type: 'string' },
            from: { type: 'string' },
            to: { type: 'string' },
            body: { type: 'string' },
            status: { type: 'string' },
          }),
        },
        no_reply: {
          anyOf: [
            { type: 'null' },
            object({
              reason: { type: 'string', enum: ['opted_out', 'auto_reply_loop', 'waiting_for_human', 'nothing_to_say'] },
              message: { type: 'string' },
            }),
          ],
          description: 'Why a processed message got no reply; null otherwise.',
        },
      },
      { description: 'Whether the message was processed, and the replies queued for it.' },
    ),
    ...apiErrors('unknown_channel', 'invalid_payload', 'invalid_signature', 'not_found', 'uri_too_long'),
  },
};

export function registerSimulatorRoutes(app: FastifyInstance, ctx: EngineContext): void {
  app.get<{ Params: { channel: string }; Querystring: { message?: string } }>(
    '/hooks/:channel/replies',
    { schema: repliesSchema },
    async (request) => {
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
        .select(['id', 'processed_at', 'from_number', 'to_number', 'conversation_id'])
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
      const processed = inbound.processed_at !== null;
      return {
        message_id: inbound.id,
        processed,
        replies: replies.map((r) => ({ id: r.id, from: r.from_number, to: r.to_number, body: r.body, status: r.status })),
        no_reply: processed && replies.length === 0 ? await whyNoReply(ctx.store.db, ctx.config, inbound.id) : null,
      };
    },
  );
}

export interface NoReply {
  reason: 'opted_out' | 'auto_reply_loop' | 'waiting_for_human' | 'nothing_to_say';
  message: string;
}

/**
 * Why a processed inbound message got no automatic reply, as far as the stored state tells: the
 * texter opted out, loop protection paused automatic replies to the number, or the conversation
 * already waits for a person (who was told once, per `acknowledgment.every`).
 */
export async function whyNoReply(db: Kysely<Database>, config: Config, messageId: string): Promise<NoReply> {
  const message = await db
    .selectFrom('messages')
    .select(['from_number', 'to_number', 'processed_at', 'conversation_id'])
    .where('id', '=', messageId)
    .executeTakeFirstOrThrow();
  if (await isSuppressed(db, message.from_number, message.to_number))
    return { reason: 'opted_out', message: 'this number has opted out (STOP): Parley answers nothing but START' };
  const { max_replies, window } = config.automation.loop_protection;
  const at = message.processed_at ?? Date.now();
  const recent = await db
    .selectFrom('messages')
    .select(sql<number>`count(*)`.as('n'))
    .where('to_number', '=', message.from_number)
    .where('origin', '=', 'automation')
    .where('created_at', '>', at - window)
    .where('created_at', '<=', at)
    .executeTakeFirstOrThrow();
  if (Number(recent.n) >= max_replies) {
    return {
      reason: 'auto_reply_loop',
      message:
        `automatic replies to this number are paused: it had ${max_replies} in the last ${Math.round(window / 1000)} s ` +
        '(automation.loop_protection); the conversation waits for a person (reason auto_reply_loop), in the console at /console',
    };
  }
  const conversation = message.conversation_id
    ? await db
        .selectFrom('conversations')
        .select(['status', 'needs_human_reason'])
        .where('id', '=', message.conversation_id)
        .executeTakeFirst()
    : undefined;
  if (conversation?.status === 'needs_human') {
    return {
      reason: 'waiting_for_human',
      message: `the conversation waits for a person (reason ${conversation.needs_human_reason ?? 'unknown'}), in the console at /console; the acknowledgment goes out at most once per automation.acknowledgment.every`,
    };
  }
  return { reason: 'nothing_to_say', message: 'no rule, flow or acknowledgment answers this message' };
}
