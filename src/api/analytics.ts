import type { FastifyInstance } from 'fastify';
import { summarizeReplies } from '../core/reply-analytics.js';
import { readReplies } from '../conversations/replies.js';
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
      const records = await readReplies(ctx.store.db, since, maxReplies);
      return { since: new Date(since).toISOString(), replies: records.length, data: summarizeReplies(records, request.query.top) };
    },
  );
}
