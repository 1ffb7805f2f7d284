import type { Kysely } from 'kysely';
import { toE164 } from '../core/phone.js';
import { ParleyError } from '../errors.js';
import type { DialectCapabilities } from '../store/database.js';
import { jsonArrayHas, jsonTextEquals } from '../store/json-sql.js';
import type { Database } from '../store/schema.js';

// Who a broadcast goes to, as the business asked: a list of numbers, the contacts with a tag, or the
// contacts matching a filter (every tag listed, every field equal). The fill (broadcasts/run.ts)
// reads it a page at a time and writes one recipient per number. Contacts by tag or filter are read
// from the database page by page, so no step holds them all; a list of numbers came whole in its
// request and is kept as it came only until the fill has written it.

export interface ContactFilter {
  /** Contacts with every one of these tags. */
  tags?: string[];
  /** Contacts whose field NAME is this string. */
  fields?: Record<string, string>;
}

export type Audience = { phones: string[] } | { tag: string } | { filter: ContactFilter };

/** Numbers a broadcast may list; more is a job for a tag (import the contacts first). */
export const maxAudiencePhones = 100_000;

const fieldName = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * The audience checked and its numbers made E.164: 422 `broadcast_audience_invalid` naming the
 * first bad entries (nothing is stored), `broadcast_audience_empty` for an empty list or filter.
 * A tag or filter that matches nobody is accepted: the broadcast then completes with no recipients.
 */
export function readAudience(raw: unknown): Audience {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ParleyError('broadcast_audience_invalid', 'audience: give one of {"phones": […]}, {"tag": "…"} or {"filter": {…}}.');
  }
  const keys = Object.keys(raw);
  if (keys.length !== 1 || !['phones', 'tag', 'filter'].includes(keys[0]!)) {
    throw new ParleyError('broadcast_audience_invalid', 'audience: give exactly one of phones, tag or filter.');
  }
  const value = (raw as Record<string, unknown>)[keys[0]!];
  if (keys[0] === 'phones') return { phones: readPhones(value) };
  if (keys[0] === 'tag') {
    if (typeof value !== 'string' || value.length === 0 || value.length > 64) {
      throw new ParleyError('broadcast_audience_invalid', 'audience.tag: a tag of 1 to 64 characters.');
    }
    return { tag: value };
  }
  return { filter: readFilter(value) };
}

function readPhones(value: unknown): string[] {
  if (!Array.isArray(value)) throw new ParleyError('broadcast_audience_invalid', 'audience.phones: a list of phone numbers.');
  if (value.length === 0) throw new ParleyError('broadcast_audience_empty', 'audience.phones: the list is empty.');
  if (value.length > maxAudiencePhones) {
    throw new ParleyError('broadcast_audience_invalid', `audience.phones: at most ${maxAudiencePhones} numbers; use a tag for more.`);
  }
  const phones: string[] = [];
  const bad: string[] = [];
  value.forEach((entry, i) => {
    const phone = typeof entry === 'string' ? toE164(entry) : null;
    if (phone === null) bad.push(`[${i}] ${JSON.stringify(String(entry).slice(0, 32))}`);
    else phones.push(phone);
  });
  if (bad.length > 0) {
    const shown = bad.slice(0, 10).join(', ');
    throw new ParleyError(
      'broadcast_audience_invalid',
      `audience.phones: ${bad.length} entr${bad.length === 1 ? 'y is' : 'ies are'} not a phone number: ${shown}${bad.length > 10 ? ', …' : ''}.`,
    );
  }
  return phones;
}

function readFilter(value: unknown): ContactFilter {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ParleyError('broadcast_audience_invalid', 'audience.filter: an object with tags and/or fields.');
  }
  const { tags, fields, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) {
    throw new ParleyError('broadcast_audience_invalid', `audience.filter: unknown key ${Object.keys(rest)[0]}; use tags and fields.`);
  }
  const filter: ContactFilter = {};
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.length > 20 || !tags.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 64)) {
      throw new ParleyError('broadcast_audience_invalid', 'audience.filter.tags: up to 20 tags of 1 to 64 characters.');
    }
    filter.tags = tags as string[];
  }
  if (fields !== undefined) {
    const entries = fields !== null && typeof fields === 'object' && !Array.isArray(fields) ? Object.entries(fields) : null;
    if (
      entries === null ||
      entries.length > 20 ||
      !entries.every(([k, v]) => fieldName.test(k) && typeof v === 'string' && v.length <= 1024)
    ) {
      throw new ParleyError('broadcast_audience_invalid', 'audience.filter.fields: up to 20 {"name": "value"} pairs (names are words).');
    }
    filter.fields = Object.fromEntries(entries);
  }
  if ((filter.tags?.length ?? 0) + Object.keys(filter.fields ?? {}).length === 0) {
    throw new ParleyError(
      'broadcast_audience_empty',
      'audience.filter: name at least one tag or field; an empty filter would be everyone.',
    );
  }
  return filter;
}

export interface AudiencePage {
  recipients: Array<{ phone: string; contact_id: string | null }>;
  /** Where the next page starts; null when this was the last. */
  next: string | null;
}

/** One page of the audience after `cursor` (null: from the start). */
export async function readAudiencePage(
  db: Kysely<Database>,
  capabilities: DialectCapabilities,
  audience: Audience,
  cursor: string | null,
  size: number,
): Promise<AudiencePage> {
  if ('phones' in audience) {
    const start = cursor === null ? 0 : Number(cursor);
    const phones = audience.phones.slice(start, start + size);
    const known = phones.length === 0 ? [] : await db.selectFrom('contacts').select(['id', 'phone']).where('phone', 'in', phones).execute();
    const ids = new Map(known.map((c) => [c.phone, c.id]));
    const end = start + phones.length;
    return {
      recipients: phones.map((phone) => ({ phone, contact_id: ids.get(phone) ?? null })),
      next: end < audience.phones.length ? String(end) : null,
    };
  }
  let query = db.selectFrom('contacts').select(['id', 'phone']).orderBy('id').limit(size);
  const tags = 'tag' in audience ? [audience.tag] : (audience.filter.tags ?? []);
  for (const tag of tags) query = query.where(jsonArrayHas(capabilities, 'contacts.tags', tag));
  if ('filter' in audience) {
    for (const [name, value] of Object.entries(audience.filter.fields ?? {})) {
      query = query.where(jsonTextEquals(capabilities, 'contacts.fields', name, value));
    }
  }
  if (cursor !== null) query = query.where('id', '>', cursor);
  const rows = await query.execute();
  return {
    recipients: rows.map((c) => ({ phone: c.phone, contact_id: c.id })),
    next: rows.length < size ? null : rows.at(-1)!.id,
  };
}
