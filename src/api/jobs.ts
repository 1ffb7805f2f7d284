import type { FastifyInstance } from 'fastify';
import type { EngineContext } from '../runtime/context.js';
import { ParleyError } from '../errors.js';
import { retryDeadJob } from '../queue/retry.js';
import { dateTime, nullable, object, pagedQuery, params, v1Responses, pagedList } from '../http/schemas.js';
import { afterCursor, page, type ListSort } from './cursor.js';

const listQuerySchema = pagedQuery({ state: { type: 'string', enum: ['pending', 'running', 'dead'] } }, { max: 500, default: 100 });

/** Oldest first: job ids grow with each job queued. */
const sort: ListSort = { list: 'jobs', columns: ['id'], direction: 'asc' };

const jobSchema = object({
  id: { type: 'integer' },
  kind: { type: 'string' },
  state: { type: 'string', enum: ['pending', 'running', 'dead'] },
  payload: { description: "The job's payload, by kind." },
  group_key: nullable('string'),
  attempts: { type: 'integer' },
  max_attempts: { type: 'integer' },
  run_at: dateTime,
  last_error: nullable('string'),
});

/** The queue, for operators: dead jobs are never dropped silently, and one call runs one again. */
export function registerJobRoutes(api: FastifyInstance, ctx: EngineContext): void {
  api.get<{ Querystring: { state?: 'pending' | 'running' | 'dead'; cursor?: string; limit: number } }>(
    '/v1/jobs',
    { schema: pagedList('Jobs of the queue, oldest first', listQuerySchema, jobSchema) },
    async (request) => {
      const { state, cursor, limit } = request.query;
      let query = ctx.store.db
        .selectFrom('jobs')
        .selectAll()
        .orderBy('id')
        .limit(limit + 1);
      if (state) query = query.where('state', '=', state);
      if (cursor !== undefined) query = query.where(afterCursor(sort, cursor));
      const { rows, next_cursor } = page(sort, await query.execute(), limit, (row) => [row.id]);
      return {
        next_cursor,
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

  const retried = object({ id: { type: 'integer' }, state: { type: 'string', enum: ['pending'] } });
  api.post<{ Params: { id: string } }>(
    '/v1/jobs/:id/retry',
    { schema: { summary: 'Run a dead job again', params: params('id'), response: v1Responses({ 202: retried }, 'not_found') } },
    async (request, reply) => {
      const id = Number(request.params.id);
      if (!Number.isSafeInteger(id)) throw new ParleyError('not_found', 'No job has this id.');
      const now = Date.now();
      const retried = await ctx.store.write((trx) => retryDeadJob(trx, id, now));
      if (!retried) throw new ParleyError('not_found', 'No dead job has this id.');
      ctx.jobsQueued();
      return reply.status(202).send({ id, state: 'pending' });
    },
  );
}
