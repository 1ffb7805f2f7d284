import type { FastifyInstance } from 'fastify';
import { toE164 } from '../core/phone.js';
import { suppress, withdrawApiSuppressions } from '../consent/consent.js';
import type { EngineContext } from '../runtime/context.js';
import { upsertContact } from '../conversations/conversations.js';
import { eraseContact } from '../housekeeping/erasure.js';
import { endSessionsOnOptOut } from '../conversations/flow-sessions.js';
import { ParleyError } from '../errors.js';
import { contactProperties, dateTime, nullable, object, pagedQuery, params, v1Responses, pagedList } from '../http/schemas.js';
import { afterCursor, page, type ListSort } from './cursor.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Numbers per `POST /v1/opt-outs`: a request is one write transaction, kept short. */
const maxOptOutsPerRequest = 1_000;

const addOptOutsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['phones'],
  properties: {
    phones: { type: 'array', minItems: 1, maxItems: maxOptOutsPerRequest, items: { type: 'string', minLength: 1, maxLength: 32 } },
    number: { type: 'string', minLength: 1, maxLength: 32 },
    reason: { type: 'string', minLength: 1, maxLength: 500 },
  },
} as const;

const numberOrAll = { type: 'string', description: 'A business number, or "all" for every number of the deployment.' };

// The contact's profile without its update time (not shown here), with its consent state and history.
const { updated_at: _updatedAt, ...profile } = contactProperties;
const contactWithConsent = object({
  ...profile,
  suppressed_for: {
    type: 'array',
    items: object({ number: numberOrAll, source: { type: 'string', enum: ['contact', 'api'] }, since: dateTime }),
  },
  consent_history: {
    type: 'array',
    items: object({
      action: { type: 'string' },
      number: nullable('string'),
      channel: { type: 'string' },
      text: nullable('string'),
      message_id: nullable('string'),
      at: dateTime,
    }),
  },
  created_at: dateTime,
});

const erasureSchema = object({
  contact_id: { type: 'string' },
  erased: object({
    messages: { type: 'integer' },
    conversations: { type: 'integer' },
    flow_sessions: { type: 'integer' },
    events: { type: 'integer' },
    deliveries: { type: 'integer' },
    jobs: { type: 'integer' },
  }),
  kept_opt_out: { type: 'boolean', description: 'The number stays suppressed, with its consent history, because it opted out.' },
});

const optOutSchema = object({
  phone: { type: 'string' },
  number: numberOrAll,
  source: { type: 'string', enum: ['contact', 'api'] },
  contact_id: { type: 'string' },
  since: dateTime,
});

/** The latest opt-out first; a request's opt-outs share their time, so the number and scope break ties. */
const optOutSort: ListSort = { list: 'opt-outs', columns: ['created_at', 'phone', 'scope'], direction: 'desc' };

/** Contacts with their consent state and history, and the list of suppressed numbers, for audits. */
export function registerContactRoutes(api: FastifyInstance, ctx: EngineContext): void {
  const db = ctx.store.db;

  // By id (`ct_…`) or by phone number, since that is what support staff have at hand.
  const findContact = async (key: string) => {
    const phone = key.startsWith('ct_') ? null : toE164(key);
    const contact = await db
      .selectFrom('contacts')
      .selectAll()
      .where(phone ? 'phone' : 'id', '=', phone ?? key)
      .executeTakeFirst();
    if (!contact) throw new ParleyError('not_found', 'No contact has this id or number.');
    return contact;
  };

  const byKey = (summary: string, ok: Record<string, Record<string, unknown>>) => ({
    schema: { summary, params: params('id'), response: v1Responses(ok, 'not_found') },
  });

  api.get<{ Params: { id: string } }>(
    '/v1/contacts/:id',
    byKey('A contact with its consent state and history', { 200: contactWithConsent }),
    async (request) => {
      const contact = await findContact(request.params.id);
      const suppressions = await db
        .selectFrom('suppressions')
        .selectAll()
        .where('phone', '=', contact.phone)
        .orderBy('created_at')
        .execute();
      const history = await db.selectFrom('consent_changes').selectAll().where('contact_id', '=', contact.id).orderBy('id').execute();
      return {
        id: contact.id,
        phone: contact.phone,
        fields: JSON.parse(contact.fields) as unknown,
        tags: JSON.parse(contact.tags) as unknown,
        timezone: contact.timezone,
        language: contact.language,
        opted_out: suppressions.length > 0,
        suppressed_for: suppressions.map((s) => ({
          number: s.scope === '*' ? 'all' : s.scope,
          source: s.source,
          since: iso(s.created_at),
        })),
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
    },
  );

  // Erasure on request (housekeeping/erasure.ts): everything about the contact, except, if they opted
  // out, the suppression that keeps honouring it.
  api.delete<{ Params: { id: string } }>('/v1/contacts/:id', byKey('Erase a contact', { 200: erasureSchema }), async (request) => {
    const contact = await findContact(request.params.id);
    const report = await eraseContact(ctx.store, contact);
    request.log.info({ contact: contact.id, erased: report.erased, kept_opt_out: report.kept_opt_out }, 'contact erased');
    return report;
  });

  // A business bringing the opt-outs it holds from another system. They are honoured like a STOP
  // (nothing but what the contact asks for afterwards reaches the number), without a confirmation
  // text or a contact.opted_out event: the business made the change and knows of it.
  api.post<{ Body: { phones: string[]; number?: string; reason?: string } }>(
    '/v1/opt-outs',
    {
      schema: {
        summary: 'Add opt-outs the business holds',
        body: addOptOutsSchema,
        response: v1Responses(
          { 200: object({ added: { type: 'integer' }, already_opted_out: { type: 'integer' }, number: numberOrAll }) },
          'invalid_phone_number',
        ),
      },
    },
    async (request) => {
      const { body } = request;
      const phones = [
        ...new Set(
          body.phones.map((raw, i) => {
            const phone = toE164(raw);
            if (!phone)
              throw new ParleyError(
                'invalid_phone_number',
                `phones[${i}]: "${raw}" is not a phone number in international format (e.g. "+15551234567").`,
              );
            return phone;
          }),
        ),
      ];
      const localNumber = body.number === undefined || body.number === 'all' ? null : businessNumber(body.number);
      const text = body.reason ?? 'added through the API';
      const now = Date.now();
      const added = await ctx.store.write(async (trx) => {
        let added = 0;
        for (const phone of phones) {
          const contactId = await upsertContact(trx, phone, now);
          await endSessionsOnOptOut(trx, phone, localNumber, now);
          const change = { contactId, phone, channel: 'api', localNumber: localNumber ?? '*', messageId: null, text, now };
          if (await suppress(trx, change, localNumber === null ? 'deployment' : 'number', 'api')) added++;
        }
        return added;
      });
      return { added, already_opted_out: phones.length - added, number: localNumber ?? 'all' };
    },
  );

  // Withdraws what the business added (a mistaken import). A contact's own STOP stays: only the
  // contact lifts it, by texting START.
  const withdrawn = object({
    phone: { type: 'string' },
    withdrawn: { type: 'integer' },
    opted_out: { type: 'boolean', description: 'Still opted out by the contact’s own STOP on some number.' },
  });
  api.delete<{ Params: { phone: string } }>(
    '/v1/opt-outs/:phone',
    {
      schema: {
        summary: 'Withdraw the opt-outs the business added for a number',
        params: params('phone'),
        response: v1Responses({ 200: withdrawn }, 'invalid_phone_number', 'not_found', 'opted_out_by_contact'),
      },
    },
    async (request) => {
      const phone = toE164(request.params.phone);
      if (!phone)
        throw new ParleyError(
          'invalid_phone_number',
          `"${request.params.phone.slice(0, 40)}" is not a phone number in international format.`,
        );
      const result = await ctx.store.write(async (trx) => {
        const withdrawn = await withdrawApiSuppressions(trx, phone, 'withdrawn through the API', Date.now());
        const remaining = await trx.selectFrom('suppressions').select('scope').where('phone', '=', phone).execute();
        return { withdrawn, remaining: remaining.length };
      });
      if (result.withdrawn === 0) {
        if (result.remaining > 0)
          throw new ParleyError('opted_out_by_contact', `${phone} opted out themselves; only they can opt back in, by texting START.`);
        throw new ParleyError('not_found', `${phone} is not opted out.`);
      }
      return { phone, withdrawn: result.withdrawn, opted_out: result.remaining > 0 };
    },
  );

  api.get<{ Querystring: { cursor?: string; limit: number } }>(
    '/v1/opt-outs',
    { schema: pagedList('Suppressed numbers, the latest first', pagedQuery({}, { max: 1000, default: 100 }), optOutSchema) },
    async (request) => {
      const { cursor, limit } = request.query;
      let query = db
        .selectFrom('suppressions')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('phone', 'desc')
        .orderBy('scope', 'desc')
        .limit(limit + 1);
      if (cursor !== undefined) query = query.where(afterCursor(optOutSort, cursor));
      const { rows, next_cursor } = page(optOutSort, await query.execute(), limit, (row) => [row.created_at, row.phone, row.scope]);
      return {
        next_cursor,
        data: rows.map((s) => ({
          phone: s.phone,
          number: s.scope === '*' ? 'all' : s.scope,
          source: s.source,
          contact_id: s.contact_id,
          since: iso(s.created_at),
        })),
      };
    },
  );

  /** A number of one of the channels: an opt-out for a number Parley does not send from would silence nothing. */
  function businessNumber(raw: string): string {
    const number = toE164(raw);
    if (number === null || !ctx.channels.all().some((channel) => channel.config.numbers.includes(number))) {
      throw new ParleyError('invalid_payload', `number: "${raw}" is not a number of any channel; use one of theirs, or "all".`);
    }
    return number;
  }
}
