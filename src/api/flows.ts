import type { FastifyInstance } from 'fastify';
import { toE164 } from '../core/phone.js';
import type { EngineContext } from '../runtime/context.js';
import type { SessionRow } from '../conversations/flow-sessions.js';
import { startFlow } from '../sessions/turns.js';
import { ParleyError } from '../errors.js';
import { listOf, nullable, nullableDateTime, object, pagedQuery, params, v1Responses, dateTime, pagedList } from '../http/schemas.js';
import { afterCursor, page, type ListSort } from './cursor.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function sessionJson(row: SessionRow) {
  return {
    id: row.id,
    flow: row.flow,
    contact_id: row.contact_id,
    phone: row.phone,
    channel: row.channel,
    local_number: row.local_number,
    step: row.step,
    status: row.status,
    vars: JSON.parse(row.vars) as unknown,
    started_at: iso(row.started_at),
    updated_at: iso(row.updated_at),
    expires_at: iso(row.expires_at),
    ended_at: iso(row.ended_at),
  };
}

const sessionStatuses = ['active', 'completed', 'handed_off', 'opted_out', 'replaced', 'expired'];

const sessionSchema = object({
  id: { type: 'string' },
  flow: { type: 'string' },
  contact_id: { type: 'string' },
  phone: { type: 'string' },
  channel: { type: 'string' },
  local_number: { type: 'string' },
  step: { type: 'string' },
  status: { type: 'string', enum: sessionStatuses },
  vars: { type: 'object', additionalProperties: true },
  started_at: dateTime,
  updated_at: dateTime,
  expires_at: nullableDateTime,
  ended_at: nullableDateTime,
});

const flowSchema = object({
  name: { type: 'string' },
  description: nullable('string'),
  start: { type: 'string' },
  steps: { type: 'array', items: { type: 'string' } },
});

/** The latest session first; ids break ties of the time. */
const sort: ListSort = { list: 'sessions', columns: ['started_at', 'id'], direction: 'desc' };

/** The flows Parley knows, starting one for a contact, and where each contact is. */
export function registerFlowRoutes(api: FastifyInstance, ctx: EngineContext): void {
  api.get('/v1/flows', { schema: { summary: 'The flows Parley knows', response: v1Responses({ 200: listOf(flowSchema) }) } }, async () => ({
    data: [...ctx.flows.values()].map((flow) => ({
      name: flow.name,
      description: flow.description ?? null,
      start: flow.start,
      steps: Object.keys(flow.steps),
    })),
  }));

  api.post<{ Params: { name: string }; Body: { to: string; channel?: string; vars?: Record<string, unknown> } }>(
    '/v1/flows/:name/start',
    {
      schema: {
        summary: 'Start a flow for a contact',
        params: params('name'),
        response: v1Responses(
          { 201: sessionSchema },
          'not_found',
          'invalid_phone_number',
          'unknown_channel',
          'session_active',
          'opted_out',
          'vars_missing',
          'vars_not_declared',
        ),
        body: {
          type: 'object',
          required: ['to'],
          additionalProperties: false,
          properties: {
            to: { type: 'string', minLength: 1, maxLength: 64 },
            channel: { type: 'string', minLength: 1, maxLength: 64 },
            vars: { type: 'object', maxProperties: 64 },
          },
        },
      },
    },
    async (request, reply) => {
      const session = await startFlow(ctx, request.params.name, request.body, 'throw');
      return reply.status(201).send(sessionJson(session!));
    },
  );

  api.get<{ Querystring: { contact?: string; status?: string; cursor?: string; limit: number } }>(
    '/v1/sessions',
    {
      schema: pagedList(
        'Flow sessions, the latest first',
        pagedQuery(
          {
            contact: { type: 'string', minLength: 1, maxLength: 64, description: 'A contact id or phone number.' },
            status: { type: 'string', enum: sessionStatuses },
          },
          { max: 500, default: 100 },
        ),
        sessionSchema,
        'invalid_phone_number',
      ),
    },
    async (request) => {
      const { contact, status, cursor, limit } = request.query;
      let query = ctx.store.db
        .selectFrom('flow_sessions')
        .selectAll()
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (contact !== undefined) {
        // By contact id (`ct_…`) or by the texter's number.
        const phone = contact.startsWith('ct_') ? null : toE164(contact);
        if (!contact.startsWith('ct_') && !phone)
          throw new ParleyError('invalid_phone_number', `contact: "${contact.slice(0, 40)}" is neither a contact id nor a phone number.`);
        query = phone ? query.where('phone', '=', phone) : query.where('contact_id', '=', contact);
      }
      if (status !== undefined) query = query.where('status', '=', status as SessionRow['status']);
      if (cursor !== undefined) query = query.where(afterCursor(sort, cursor));
      const { rows, next_cursor } = page(sort, await query.execute(), limit, (row) => [row.started_at, row.id]);
      return { data: rows.map(sessionJson), next_cursor };
    },
  );
}
