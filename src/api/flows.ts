import type { FastifyInstance } from 'fastify';
import { toE164 } from '../core/phone.js';
import type { EngineContext } from '../runtime/context.js';
import type { SessionRow } from '../conversations/flow-sessions.js';
import { startFlow } from '../sessions/turns.js';
import { ParleyError } from '../errors.js';

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

/** The flows Parley knows, starting one for a contact, and where each contact is. */
export function registerFlowRoutes(api: FastifyInstance, ctx: EngineContext): void {
  api.get('/v1/flows', async () => ({
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

  api.get<{ Querystring: { contact?: string; status?: string; limit: number } }>(
    '/v1/sessions',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            contact: { type: 'string', minLength: 1, maxLength: 64 },
            status: { type: 'string', enum: ['active', 'completed', 'handed_off', 'opted_out', 'replaced', 'expired'] },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
      },
    },
    async (request) => {
      let query = ctx.store.db
        .selectFrom('flow_sessions')
        .selectAll()
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(request.query.limit);
      const { contact, status } = request.query;
      if (contact !== undefined) {
        // By contact id (`ct_…`) or by the texter's number.
        const phone = contact.startsWith('ct_') ? null : toE164(contact);
        if (!contact.startsWith('ct_') && !phone)
          throw new ParleyError('invalid_phone_number', `contact: "${contact.slice(0, 40)}" is neither a contact id nor a phone number.`);
        query = phone ? query.where('phone', '=', phone) : query.where('contact_id', '=', contact);
      }
      if (status !== undefined) query = query.where('status', '=', status as SessionRow['status']);
      return { data: (await query.execute()).map(sessionJson) };
    },
  );
}
