import type { FastifyInstance } from 'fastify';
import { canonicalLanguage, canonicalTimeZone } from '../core/locale.js';
import { toE164 } from '../core/phone.js';
import { saveContactByPhone, updateContactById, type ContactChanges } from '../conversations/contact-profile.js';
import { ParleyError } from '../errors.js';
import type { EngineContext } from '../runtime/context.js';
import { jsonArrayHas, jsonTextEquals } from '../store/json-sql.js';
import { afterCursor, page, type ListSort } from './cursor.js';
import { pagedQuery, params, ref, v1Responses, pagedList } from '../http/schemas.js';
import { contactJson } from './serialize.js';

interface ChangesBody {
  fields?: Record<string, string | null>;
  tags?: string[];
  add_tags?: string[];
  remove_tags?: string[];
  timezone?: string | null;
  language?: string | null;
}

const tagList = { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 64 } } as const;
// Field names are words, so a template reads each as {{contact.fields.NAME}} or {{contact.NAME}}.
const fieldName = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';
const changeProperties = {
  fields: {
    type: 'object',
    maxProperties: 100,
    propertyNames: { pattern: fieldName },
    additionalProperties: { type: ['string', 'null'], maxLength: 1024 },
  },
  tags: tagList,
  add_tags: tagList,
  remove_tags: tagList,
  timezone: { type: ['string', 'null'], minLength: 1, maxLength: 64 },
  language: { type: ['string', 'null'], minLength: 1, maxLength: 35 },
} as const;

const createSchema = {
  type: 'object',
  required: ['phone'],
  additionalProperties: false,
  properties: { phone: { type: 'string', minLength: 1, maxLength: 64 }, ...changeProperties },
} as const;
const patchSchema = { type: 'object', additionalProperties: false, properties: changeProperties } as const;

interface ListQuery {
  tag?: string;
  field?: string;
  phone?: string;
  cursor?: string;
  limit: number;
}

const listQuerySchema = pagedQuery(
  {
    tag: { type: 'string', minLength: 1, maxLength: 64 },
    // name:value, e.g. city:Paris.
    field: { type: 'string', minLength: 2, maxLength: 1100, description: 'name:value, e.g. city:Paris.' },
    phone: { type: 'string', minLength: 1, maxLength: 64 },
  },
  { max: 500, default: 50 },
);

const sort: ListSort = { list: 'contacts', columns: ['contacts.id'], direction: 'desc' };

/** Contacts as the business manages them: created or updated by phone, changed by id, listed by tag or field. */
export function registerContactProfileRoutes(api: FastifyInstance, ctx: EngineContext): void {
  const db = ctx.store.db;
  const capabilities = ctx.store.capabilities;
  const optedOut = (phone: string) => db.selectFrom('suppressions').select('phone').where('phone', '=', phone).limit(1).executeTakeFirst();

  api.post<{ Body: ChangesBody & { phone: string } }>(
    '/v1/contacts',
    {
      schema: {
        summary: 'Create or update a contact by phone',
        body: createSchema,
        response: v1Responses({ 200: ref('Contact'), 201: ref('Contact') }, 'invalid_phone_number'),
      },
    },
    async (request, reply) => {
      const { phone: raw, ...body } = request.body;
      const phone = toE164(raw);
      if (!phone)
        throw new ParleyError('invalid_phone_number', `phone: "${raw.slice(0, 40)}" is not a phone number in international format.`);
      const changes = readChanges(body);
      const { contact, created } = await ctx.store.write((trx) => saveContactByPhone(trx, phone, changes));
      return reply.status(created ? 201 : 200).send(contactJson(contact, (await optedOut(phone)) !== undefined));
    },
  );

  // By id (`ct_…`) or by phone number, as GET /v1/contacts/:id.
  api.patch<{ Params: { id: string }; Body: ChangesBody }>(
    '/v1/contacts/:id',
    {
      schema: {
        summary: 'Change a contact (by id or phone number)',
        params: params('id'),
        body: patchSchema,
        response: v1Responses({ 200: ref('Contact') }, 'not_found'),
      },
    },
    async (request) => {
      const key = request.params.id;
      const phone = key.startsWith('ct_') ? null : toE164(key);
      const changes = readChanges(request.body);
      const contact = await ctx.store.write(async (trx) => {
        const id = phone === null ? key : (await trx.selectFrom('contacts').select('id').where('phone', '=', phone).executeTakeFirst())?.id;
        return id === undefined ? null : updateContactById(trx, id, changes);
      });
      if (!contact) throw new ParleyError('not_found', 'No contact has this id or number.');
      return contactJson(contact, (await optedOut(contact.phone)) !== undefined);
    },
  );

  api.get<{ Querystring: ListQuery }>(
    '/v1/contacts',
    { schema: pagedList('Contacts, newest first, by tag, field or phone', listQuerySchema, ref('Contact'), 'invalid_phone_number') },
    async (request) => {
      const q = request.query;
      let query = db
        .selectFrom('contacts')
        .selectAll('contacts')
        .select((eb) =>
          eb.exists(eb.selectFrom('suppressions').select('phone').whereRef('suppressions.phone', '=', 'contacts.phone')).as('opted_out'),
        )
        .orderBy('contacts.id', 'desc')
        .limit(q.limit + 1);
      if (q.tag !== undefined) query = query.where(jsonArrayHas(capabilities, 'contacts.tags', q.tag));
      if (q.field !== undefined) {
        const split = /^([A-Za-z_][A-Za-z0-9_]{0,63}):(.*)$/s.exec(q.field);
        if (!split) throw new ParleyError('invalid_payload', 'field: write name:value, e.g. field=city:Paris.');
        query = query.where(jsonTextEquals(capabilities, 'contacts.fields', split[1]!, split[2]!));
      }
      if (q.phone !== undefined) {
        const phone = toE164(q.phone);
        if (!phone) throw new ParleyError('invalid_phone_number', `phone: "${q.phone.slice(0, 40)}" is not a phone number.`);
        query = query.where('contacts.phone', '=', phone);
      }
      if (q.cursor !== undefined) query = query.where(afterCursor(sort, q.cursor));
      const { rows, next_cursor } = page(sort, await query.execute(), q.limit, (row) => [row.id]);
      // SQLite answers exists() as 0 or 1, PostgreSQL as a boolean.
      return { data: rows.map(({ opted_out, ...row }) => contactJson(row, Boolean(Number(opted_out)))), next_cursor };
    },
  );

  /** The changes with their timezone and language read (400 naming a bad one). */
  function readChanges(body: ChangesBody): ContactChanges {
    const changes: ContactChanges = {};
    if (body.fields !== undefined) changes.fields = body.fields;
    if (body.tags !== undefined) changes.tags = body.tags;
    if (body.add_tags !== undefined) changes.add_tags = body.add_tags;
    if (body.remove_tags !== undefined) changes.remove_tags = body.remove_tags;
    if (body.timezone !== undefined) {
      changes.timezone = body.timezone === null ? null : canonicalTimeZone(body.timezone);
      if (changes.timezone === null && body.timezone !== null) {
        throw new ParleyError('invalid_payload', `timezone: "${body.timezone}" is not an IANA time zone (e.g. "America/Chicago").`);
      }
    }
    if (body.language !== undefined) {
      changes.language = body.language === null ? null : canonicalLanguage(body.language);
      if (changes.language === null && body.language !== null) {
        throw new ParleyError('invalid_payload', `language: "${body.language}" is not a language tag (e.g. "en", "es-MX").`);
      }
    }
    return changes;
  }
}
