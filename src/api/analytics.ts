import type { FastifyInstance } from 'fastify';
import { summarizeReplies, type ReplyRecord } from '../core/reply-analytics.js';
import type { EngineContext } from '../runtime/context.js';
import { readTime } from './time.js';

const querySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { type: 'string', format: 'date-time' },
    top: { type: 'integer', minimum: 1, maximum: 50, default: 5 },
  },
} as const;

/** Most replies read in one report; a wider window is sampled from its most recent replies. */
const maxReplies = 50_000;

/** `GET /v1/analytics/replies`: how people answer each message the business sends. */
export function registerAnalyticsRoutes(api: FastifyInstance, ctx: EngineContext): void {
  api.get<{ Querystring: { since?: string; top: number } }>(
    '/v1/analytics/replies',
    { schema: { querystring: querySchema } },
    async (request) => {
      const since = request.query.since ? readTime(request.query.since, 'since') : Date.now() - 30 * 86_400_000;
      const rows = await ctx.store.db
        .selectFrom('messages as i')
        .select((eb) => [
          'i.intent',
          'i.body',
          // The reply answers whatever the business said last in that conversation before it.
          eb
            .selectFrom('messages as o')
            .select('o.body')
            .whereRef('o.conversation_id', '=', 'i.conversation_id')
            .where('o.direction', '=', 'outbound')
            .whereRef('o.id', '<', 'i.id')
            .orderBy('o.id', 'desc')
            .limit(1)
            .as('prompt'),
        ])
        .where('i.direction', '=', 'inbound')
        .where('i.processed_at', 'is not', null)
        .where('i.created_at', '>=', since)
        .orderBy('i.id', 'desc')
        .limit(maxReplies)
        .execute();
      // Newest were fetched first (so a wide window keeps its latest replies); report in time order.
      const records: ReplyRecord[] = rows.reverse().map((r) => ({ prompt: r.prompt ?? null, intent: r.intent ?? 'unknown', body: r.body }));
      return { since: new Date(since).toISOString(), replies: records.length, data: summarizeReplies(records, request.query.top) };
    },
  );
}
