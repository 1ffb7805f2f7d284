import type { FastifyInstance } from 'fastify';
import { summarizeReplies } from '../core/reply-analytics.js';
import { readReplies } from '../conversations/replies.js';
import type { EngineContext } from '../runtime/context.js';
import { readTime } from './time.js';
import { dateTime, nullable, object, v1Responses } from '../http/schemas.js';

const querySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { type: 'string', format: 'date-time' },
    top: { type: 'integer', minimum: 1, maximum: 50, default: 5 },
  },
} as const;

const counted = (name: string) => ({
  type: 'array',
  items: object({ [name]: { type: 'string' }, count: { type: 'integer' }, share: { type: 'number' } }),
});

const reportSchema = object({
  since: dateTime,
  replies: { type: 'integer' },
  data: {
    type: 'array',
    items: object({
      prompt: { ...nullable('string'), description: 'What the business last sent before these replies.' },
      replies: { type: 'integer' },
      intents: counted('intent'),
      top_unrecognized: counted('text'),
    }),
  },
});

/** Most replies read in one report; a wider window is sampled from its most recent replies. */
const maxReplies = 50_000;

/** `GET /v1/analytics/replies`: how people answer each message the business sends. */
export function registerAnalyticsRoutes(api: FastifyInstance, ctx: EngineContext): void {
  api.get<{ Querystring: { since?: string; top: number } }>(
    '/v1/analytics/replies',
    {
      schema: {
        summary: 'How people answer each message the business sends',
        querystring: querySchema,
        response: v1Responses({ 200: reportSchema }),
      },
    },
    async (request) => {
      const since = request.query.since ? readTime(request.query.since, 'since') : Date.now() - 30 * 86_400_000;
      const records = await readReplies(ctx.store.db, since, maxReplies);
      return { since: new Date(since).toISOString(), replies: records.length, data: summarizeReplies(records, request.query.top) };
    },
  );
}
