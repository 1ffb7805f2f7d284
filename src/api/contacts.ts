import type { FastifyInstance } from 'fastify';
import { toE164 } from '../core/phone.js';
import type { EngineContext } from '../engine/context.js';
import { ParleyError } from '../errors.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Contacts with their consent state and history, and the list of suppressed numbers, for audits. */
export function registerContactRoutes(api: FastifyInstance, ctx: EngineContext): void {
  const db = ctx.store.db;

  // By id (`ct_…`) or by phone number, since that is what support staff have at hand.
  api.get<{ Params: { id: string } }>('/v1/contacts/:id', async (request) => {
    const key = request.params.id;
    const phone = key.startsWith('ct_') ? null : toE164(key);
    const contact = await db
      .selectFrom('contacts')
      .selectAll()
      .where(phone ? 'phone' : 'id', '=', phone ?? key)
      .executeTakeFirst();
    if (!contact) throw new ParleyError('not_found', 'No contact has this id or number.');
    const suppressions = await db.selectFrom('suppressions').selectAll().where('phone', '=', contact.phone).orderBy('created_at').execute();
    const history = await db.selectFrom('consent_changes').selectAll().where('contact_id', '=', contact.id).orderBy('id').execute();
    return {
      id: contact.id,
      phone: contact.phone,
      fields: JSON.parse(contact.fields) as unknown,
      tags: JSON.parse(contact.tags) as unknown,
      opted_out: suppressions.length > 0,
      suppressed_for: suppressions.map((s) => ({ number: s.scope === '*' ? 'all' : s.scope, since: iso(s.created_at) })),
      consent_history: history.map((h) => ({
        action: h.action,
        number: h.scope === '*' ? 'all' : h.local_number,
        channel: h.channel,
        text: h.text,
        message_id: h.message_id,
        at: iso(h.at),
      })),
      created_at: iso(contact.created_at),
    };
  });

  api.get<{ Querystring: { limit?: number } }>(
    '/v1/opt-outs',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } } } },
    async (request) => {
      const rows = await db.selectFrom('suppressions').selectAll().orderBy('created_at', 'desc').limit(request.query.limit ?? 100).execute();
      return {
        data: rows.map((s) => ({ phone: s.phone, number: s.scope === '*' ? 'all' : s.scope, contact_id: s.contact_id, since: iso(s.created_at) })),
      };
    },
  );
}
