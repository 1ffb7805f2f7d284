import type { FastifyInstance } from 'fastify';
import type { Selectable } from 'kysely';
import { newId } from '../core/ids.js';
import type { EngineContext } from '../runtime/context.js';
import { catalogJson } from '../events/catalog.js';
import { eventTypes } from '../events/events.js';
import { ParleyError } from '../errors.js';
import type { EndpointsTable } from '../store/schema.js';
import { releaseWaiting } from '../events/ordering.js';
import { recoverFailed, reenabledColumns, replayDelivery, resumePending } from '../webhooks/replay.js';
import { newEndpointSecret } from '../core/webhook-signature.js';
import { checkEndpointUrl, DestinationRefused } from '../net/url-guard.js';
import { readTime } from './time.js';
import { afterCursor, page, type ListSort } from './cursor.js';
import {
  dateTime,
  noContent,
  nullable,
  nullableDateTime,
  object,
  pagedQuery,
  pageOf,
  params,
  v1Responses,
  type Schema,
  pagedList,
} from '../http/schemas.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const endpointFields = {
  url: { type: 'string', minLength: 1, maxLength: 2048 },
  events: { type: 'array', maxItems: eventTypes.length, uniqueItems: true, items: { type: 'string', enum: [...eventTypes] } },
  description: { type: 'string', maxLength: 256 },
  rate_limit: { type: ['integer', 'null'], minimum: 1, maximum: 1000 },
  ordered: { type: 'boolean' },
} as const;

const endpointProperties = {
  id: { type: 'string' },
  url: { type: 'string' },
  description: nullable('string'),
  events: { type: 'array', items: { type: 'string' }, description: 'The event types sent; empty for all.' },
  rate_limit: { ...nullable('integer'), description: 'Deliveries per second at most; null for no limit.' },
  ordered: { type: 'boolean' },
  status: { type: 'string', enum: ['enabled', 'disabled'] },
  disabled_reason: nullable('string'),
  failing_since: nullableDateTime,
  paused_until: nullableDateTime,
  created_at: dateTime,
  updated_at: dateTime,
};
const endpointSchema = object(endpointProperties);

const deliverySchema = object({
  id: { type: 'string' },
  event_id: { type: 'string' },
  event_type: { type: 'string' },
  status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
  attempts: { type: 'integer' },
  next_attempt_at: nullableDateTime,
  last_response_status: nullable('integer'),
  last_error: nullable('string'),
  delivered_at: nullableDateTime,
  created_at: dateTime,
});

const attemptSchema = object({
  at: dateTime,
  duration_ms: { type: 'integer' },
  request_headers: { type: 'object', additionalProperties: { type: 'string' } },
  response_status: nullable('integer'),
  response_body: nullable('string'),
  error: nullable('string'),
});

const catalogSchema = object({
  version: { type: 'integer' },
  data: {
    type: 'array',
    items: object({
      type: { type: 'string' },
      description: { type: 'string' },
      schema: { type: 'object', additionalProperties: true, description: "The event's JSON Schema." },
      example: { type: 'object', additionalProperties: true },
    }),
  },
});

/** Endpoints in the order they were registered. */
const endpointSort: ListSort = { list: 'endpoints', columns: ['created_at', 'id'], direction: 'asc' };
/** An endpoint's latest deliveries first. */
const deliverySort: ListSort = { list: 'deliveries', columns: ['created_at', 'id'], direction: 'desc' };

function endpointJson(row: Selectable<EndpointsTable>) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.event_types) as string[],
    rate_limit: row.rate_limit,
    ordered: row.ordered === 1,
    status: row.status,
    disabled_reason: row.disabled_reason,
    failing_since: iso(row.failing_since),
    paused_until: iso(row.paused_until),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** The business's endpoints for event webhooks, their deliveries and the attempts of each. */
export function registerEndpointRoutes(api: FastifyInstance, ctx: EngineContext): void {
  const db = ctx.store.db;
  const allowPrivate = ctx.config.webhooks.allow_private_destinations;

  const guard = (url: string) => {
    try {
      return checkEndpointUrl(url, allowPrivate).toString();
    } catch (error) {
      if (error instanceof DestinationRefused) {
        // A private destination is refused only by choice: say which setting allows it (for local testing).
        const hint =
          error.privateDestination && !allowPrivate
            ? ' Set webhooks.allow_private_destinations: true to allow it (for local testing).'
            : '';
        throw new ParleyError('destination_not_allowed', `url: ${error.message}.${hint}`);
      }
      throw error;
    }
  };
  const load = async (id: string) => {
    const row = await db.selectFrom('endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new ParleyError('not_found', 'No endpoint has this id.');
    return row;
  };
  api.post<{ Body: { url: string; events?: string[]; description?: string; rate_limit?: number | null; ordered?: boolean } }>(
    '/v1/endpoints',
    {
      schema: {
        summary: 'Register an endpoint for event webhooks',
        body: { type: 'object', required: ['url'], additionalProperties: false, properties: endpointFields },
        response: v1Responses(
          { 201: object({ ...endpointProperties, secret: { type: 'string', description: 'Shown once: it signs the deliveries.' } }) },
          'destination_not_allowed',
        ),
      },
    },
    async (request, reply) => {
      const now = Date.now();
      const row: Selectable<EndpointsTable> = {
        id: newId('ep', now),
        url: guard(request.body.url),
        description: request.body.description ?? null,
        event_types: JSON.stringify(request.body.events ?? []),
        secret: newEndpointSecret(),
        previous_secret: null,
        previous_secret_expires_at: null,
        status: 'enabled',
        disabled_reason: null,
        rate_limit: request.body.rate_limit ?? null,
        ordered: request.body.ordered ? 1 : 0,
        failing_since: null,
        paused_until: null,
        next_slot_at: null,
        created_at: now,
        updated_at: now,
      };
      await ctx.store.write((trx) => trx.insertInto('endpoints').values(row).execute());
      // The secret is shown here, once; afterwards only rotation reveals a new one.
      return reply.status(201).send({ ...endpointJson(row), secret: row.secret });
    },
  );

  const byId = (summary: string, ok: Record<string, Schema>, ...codes: Parameters<typeof v1Responses>[1][]) => ({
    schema: { summary, params: params('id'), response: v1Responses(ok, 'not_found', ...codes) },
  });

  api.get(
    '/v1/event-types',
    { schema: { summary: 'The event types, with their JSON Schema and an example', response: v1Responses({ 200: catalogSchema }) } },
    async () => catalogJson(),
  );

  api.get<{ Querystring: { cursor?: string; limit: number } }>(
    '/v1/endpoints',
    { schema: pagedList('Endpoints, in the order they were registered', pagedQuery({}, { max: 500, default: 100 }), endpointSchema) },
    async (request) => {
      const { cursor, limit } = request.query;
      let query = db
        .selectFrom('endpoints')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit + 1);
      if (cursor !== undefined) query = query.where(afterCursor(endpointSort, cursor));
      const { rows, next_cursor } = page(endpointSort, await query.execute(), limit, (row) => [row.created_at, row.id]);
      return { data: rows.map(endpointJson), next_cursor };
    },
  );

  api.get<{ Params: { id: string } }>('/v1/endpoints/:id', byId('An endpoint', { 200: endpointSchema }), async (request) =>
    endpointJson(await load(request.params.id)),
  );

  api.patch<{
    Params: { id: string };
    Body: {
      url?: string;
      events?: string[];
      description?: string;
      rate_limit?: number | null;
      ordered?: boolean;
      status?: 'enabled' | 'disabled';
    };
  }>(
    '/v1/endpoints/:id',
    {
      schema: {
        summary: 'Change an endpoint (re-enabling one resumes its deliveries)',
        params: params('id'),
        response: v1Responses({ 200: endpointSchema }, 'not_found', 'destination_not_allowed'),
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { ...endpointFields, status: { type: 'string', enum: ['enabled', 'disabled'] } },
        },
      },
    },
    async (request) => {
      const endpoint = await load(request.params.id);
      const now = Date.now();
      const { url, events, description, status, rate_limit, ordered } = request.body;
      const reenabled = status === 'enabled' && endpoint.status === 'disabled';
      await ctx.store.write(async (trx) => {
        await trx
          .updateTable('endpoints')
          .set({
            ...(url !== undefined ? { url: guard(url) } : {}),
            ...(events !== undefined ? { event_types: JSON.stringify(events) } : {}),
            ...(description !== undefined ? { description } : {}),
            ...(rate_limit !== undefined ? { rate_limit } : {}),
            ...(ordered !== undefined ? { ordered: ordered ? 1 : 0 } : {}),
            ...(status !== undefined ? { status, disabled_reason: status === 'disabled' ? 'disabled through the API' : null } : {}),
            ...(reenabled ? reenabledColumns : {}),
            updated_at: now,
          })
          .where('id', '=', endpoint.id)
          .execute();
        if (ordered === false && endpoint.ordered === 1) await releaseWaiting(trx, endpoint.id, now);
        if (reenabled) await resumePending(trx, endpoint.id, now);
      });
      if (ordered === false || reenabled) ctx.jobsQueued();
      return endpointJson(await load(endpoint.id));
    },
  );

  api.delete<{ Params: { id: string } }>('/v1/endpoints/:id', byId('Delete an endpoint', { 204: noContent }), async (request, reply) => {
    const endpoint = await load(request.params.id);
    await ctx.store.write((trx) => trx.deleteFrom('endpoints').where('id', '=', endpoint.id).execute());
    return reply.status(204).send();
  });

  const rotated = object({
    id: { type: 'string' },
    secret: { type: 'string' },
    previous_secret_valid_until: { ...dateTime, description: 'Deliveries carry signatures with both secrets until then.' },
  });
  api.post<{ Params: { id: string } }>(
    '/v1/endpoints/:id/rotate-secret',
    byId("Rotate an endpoint's secret", { 200: rotated }),
    async (request) => {
      const endpoint = await load(request.params.id);
      const now = Date.now();
      const secret = newEndpointSecret();
      const overlapUntil = now + ctx.config.webhooks.rotation_overlap;
      await ctx.store.write((trx) =>
        trx
          .updateTable('endpoints')
          .set({ secret, previous_secret: endpoint.secret, previous_secret_expires_at: overlapUntil, updated_at: now })
          .where('id', '=', endpoint.id)
          .execute(),
      );
      return { id: endpoint.id, secret, previous_secret_valid_until: iso(overlapUntil) };
    },
  );

  api.get<{ Params: { id: string }; Querystring: { status?: 'pending' | 'delivered' | 'failed'; cursor?: string; limit: number } }>(
    '/v1/endpoints/:id/deliveries',
    {
      schema: {
        summary: "An endpoint's deliveries, the latest first",
        params: params('id'),
        querystring: pagedQuery({ status: { type: 'string', enum: ['pending', 'delivered', 'failed'] } }, { max: 500, default: 100 }),
        response: v1Responses({ 200: pageOf(deliverySchema) }, 'not_found', 'invalid_cursor'),
      },
    },
    async (request) => {
      const endpoint = await load(request.params.id);
      const { status, cursor, limit } = request.query;
      let query = db
        .selectFrom('deliveries')
        .selectAll()
        .where('endpoint_id', '=', endpoint.id)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (status) query = query.where('status', '=', status);
      if (cursor !== undefined) query = query.where(afterCursor(deliverySort, cursor));
      const { rows, next_cursor } = page(deliverySort, await query.execute(), limit, (row) => [row.created_at, row.id]);
      return {
        next_cursor,
        data: rows.map((d) => ({
          id: d.id,
          event_id: d.event_id,
          event_type: d.event_type,
          status: d.status,
          attempts: d.attempts,
          next_attempt_at: iso(d.next_attempt_at),
          last_response_status: d.last_response_status,
          last_error: d.last_error,
          delivered_at: iso(d.delivered_at),
          created_at: iso(d.created_at),
        })),
      };
    },
  );

  api.get<{ Params: { id: string } }>(
    '/v1/deliveries/:id/attempts',
    byId("A delivery's attempts, oldest first", { 200: object({ data: { type: 'array', items: attemptSchema } }) }),
    async (request) => {
      const delivery = await db.selectFrom('deliveries').select('id').where('id', '=', request.params.id).executeTakeFirst();
      if (!delivery) throw new ParleyError('not_found', 'No delivery has this id.');
      const attempts = await db.selectFrom('delivery_attempts').selectAll().where('delivery_id', '=', delivery.id).orderBy('id').execute();
      return {
        data: attempts.map((a) => ({
          at: iso(a.attempted_at),
          duration_ms: a.duration_ms,
          request_headers: JSON.parse(a.request_headers) as Record<string, string>,
          response_status: a.response_status,
          response_body: a.response_body,
          error: a.error,
        })),
      };
    },
  );

  const requeued = object({ id: { type: 'string' }, status: { type: 'string', enum: ['pending'] } });
  api.post<{ Params: { id: string } }>('/v1/deliveries/:id/retry', byId('Deliver again', { 202: requeued }), async (request, reply) => {
    const replayed = await ctx.store.write((trx) => replayDelivery(trx, request.params.id, Date.now()));
    if (!replayed) throw new ParleyError('not_found', 'No delivery has this id.');
    ctx.jobsQueued();
    return reply.status(202).send({ id: request.params.id, status: 'pending' });
  });

  api.post<{ Params: { id: string }; Body: { since: string } }>(
    '/v1/endpoints/:id/recover',
    {
      schema: {
        summary: 'Deliver again what failed since a time',
        params: params('id'),
        response: v1Responses({ 202: object({ endpoint_id: { type: 'string' }, requeued: { type: 'integer' } }) }, 'not_found'),
        body: {
          type: 'object',
          required: ['since'],
          additionalProperties: false,
          properties: { since: { type: 'string', format: 'date-time' } },
        },
      },
    },
    async (request, reply) => {
      const endpoint = await load(request.params.id);
      const since = readTime(request.body.since, 'since');
      const now = Date.now();
      const count = await ctx.store.write((trx) => recoverFailed(trx, endpoint.id, since, now));
      ctx.jobsQueued();
      return reply.status(202).send({ endpoint_id: endpoint.id, requeued: count });
    },
  );
}
