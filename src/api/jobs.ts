import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../runtime/context.js';
import { ParleyError } from '../errors.js';
import { retryDeadJob } from '../queue/retry.js';

const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: ['pending', 'running', 'dead'] },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
} as const;

/** The queue, for operators: dead jobs are never dropped silently, and one call runs one again. */
export function registerJobRoutes(api: FastifyInstance, ctx: EngineContext): void {
  api.get<{ Querystring: { state?: 'pending' | 'running' | 'dead'; limit: number } }>(
    '/v1/jobs',
    { schema: { querystring: listQuerySchema } },
    async (request) => {
      let query = ctx.store.db.selectFrom('jobs').selectAll().orderBy('id').limit(request.query.limit);
      if (request.query.state) query = query.where('state', '=', request.query.state);
      const rows = await query.execute();
      return {
        data: rows.map((j) => ({
          id: j.id,
          kind: j.kind,
          state: j.state,
          payload: JSON.parse(j.payload) as unknown,
          group_key: j.group_key,
          attempts: j.attempts,
          max_attempts: j.max_attempts,
          run_at: new Date(j.run_at).toISOString(),
          last_error: j.last_error,
        })),
      };
    },
  );

  api.post<{ Params: { id: string } }>('/v1/jobs/:id/retry', async (request, reply) => {
    const id = Number(request.params.id);
    if (!Number.isSafeInteger(id)) throw new ParleyError('not_found', 'No job has this id.');
    const now = Date.now();
    const retried = await ctx.store.write((trx) => retryDeadJob(trx, id, now));
    if (!retried) throw new ParleyError('not_found', 'No dead job has this id.');
    ctx.jobsQueued();
    return reply.status(202).send({ id, state: 'pending' });
  });
}
