import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import { precompile } from '../store/precompiled.js';
import type { ContactRow, ConversationRow, Database } from '../store/schema.js';

// Every routed message runs these: compiled once (see store/precompiled.ts).

const insertContact = precompile(['id', 'phone', 'now'], (db, p: { id: string; phone: string; now: number }) =>
  db
    .insertInto('contacts')
    .values({ id: p.id, phone: p.phone, created_at: p.now, updated_at: p.now })
    .onConflict((oc) => oc.column('phone').doNothing())
    .returning('id'),
);
const selectContactId = precompile(['phone'], (db, p: { phone: string }) =>
  db.selectFrom('contacts').select('id').where('phone', '=', p.phone),
);
const selectContactDetails = precompile(['phone'], (db, p: { phone: string }) =>
  db.selectFrom('contacts').select(['id', 'fields', 'tags']).where('phone', '=', p.phone),
);

const insertConversation = precompile(
  ['id', 'contact_id', 'channel', 'local_number', 'now'],
  (db, p: { id: string; contact_id: string; channel: string; local_number: string; now: number }) =>
    db
      .insertInto('conversations')
      .values({
        id: p.id,
        contact_id: p.contact_id,
        channel: p.channel,
        local_number: p.local_number,
        status: 'open',
        last_message_at: p.now,
        created_at: p.now,
        updated_at: p.now,
      })
      .onConflict((oc) => oc.columns(['contact_id', 'channel', 'local_number']).doNothing())
      .returningAll(),
);
const selectConversation = precompile(
  ['contact_id', 'channel', 'local_number'],
  (db, p: { contact_id: string; channel: string; local_number: string }) =>
    db
      .selectFrom('conversations')
      .selectAll()
      .where('contact_id', '=', p.contact_id)
      .where('channel', '=', p.channel)
      .where('local_number', '=', p.local_number),
);

/** The contact for a phone number, created on first sight. */
export async function upsertContact(trx: Kysely<Database>, phone: string, now: number): Promise<string> {
  const [inserted] = (await insertContact(trx, { id: newId('ct', now), phone, now })).rows;
  if (inserted) return inserted.id;
  const [row] = (await selectContactId(trx, { phone })).rows;
  if (!row) throw new Error(`contact for ${phone} neither inserted nor found`);
  return row.id;
}

/** The one conversation between a contact and one of the business's numbers on a channel. */
export async function upsertConversation(
  trx: Kysely<Database>,
  contactId: string,
  channel: string,
  localNumber: string,
  now: number,
): Promise<ConversationRow> {
  const [inserted] = (
    await insertConversation(trx, { id: newId('conv', now), contact_id: contactId, channel, local_number: localNumber, now })
  ).rows;
  if (inserted) return inserted;
  const [row] = (await selectConversation(trx, { contact_id: contactId, channel, local_number: localNumber })).rows;
  if (!row) throw new Error(`conversation of ${contactId} on ${channel} ${localNumber} neither inserted nor found`);
  return row;
}

/**
 * `upsertContact` and `upsertConversation` for many numbers at once (a broadcast's page): four
 * statements instead of four per number. Returns each number's contact and conversation.
 */
export async function upsertConversations(
  trx: Kysely<Database>,
  phones: string[],
  channel: string,
  localNumber: string,
  now: number,
): Promise<Map<string, { contact: ContactRow; conversation: ConversationRow }>> {
  const found = new Map<string, { contact: ContactRow; conversation: ConversationRow }>();
  if (phones.length === 0) return found;
  await trx
    .insertInto('contacts')
    .values(phones.map((phone) => ({ id: newId('ct', now), phone, created_at: now, updated_at: now })))
    .onConflict((oc) => oc.column('phone').doNothing())
    .execute();
  const contacts = await trx.selectFrom('contacts').selectAll().where('phone', 'in', phones).execute();
  await trx
    .insertInto('conversations')
    .values(
      contacts.map((c) => ({
        id: newId('conv', now),
        contact_id: c.id,
        channel,
        local_number: localNumber,
        status: 'open' as const,
        last_message_at: now,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.columns(['contact_id', 'channel', 'local_number']).doNothing())
    .execute();
  const conversations = await trx
    .selectFrom('conversations')
    .selectAll()
    .where(
      'contact_id',
      'in',
      contacts.map((c) => c.id),
    )
    .where('channel', '=', channel)
    .where('local_number', '=', localNumber)
    .execute();
  const byContact = new Map(conversations.map((c) => [c.contact_id, c]));
  for (const contact of contacts) found.set(contact.phone, { contact, conversation: byContact.get(contact.id)! });
  return found;
}

/** What a reply's template may read of its contact. */
export interface ContactDetails {
  phone: string;
  /** JSON object. */
  fields: string;
  /** JSON array. */
  tags: string;
}

// Every routed message starts here: one read finds the conversation and its contact's details.
const selectContactConversation = precompile(
  ['phone', 'channel', 'local_number'],
  (db, p: { phone: string; channel: string; local_number: string }) =>
    db
      .selectFrom('contacts as ct')
      .leftJoin('conversations as cv', (join) =>
        join.onRef('cv.contact_id', '=', 'ct.id').on('cv.channel', '=', p.channel).on('cv.local_number', '=', p.local_number),
      )
      .selectAll('cv')
      .select(['ct.id as ct_id', 'ct.fields as ct_fields', 'ct.tags as ct_tags'])
      .where('ct.phone', '=', p.phone),
);

/**
 * A texter's conversation with one of the business's numbers and the contact's details, both
 * created on first sight. The usual case (both exist) is a single read.
 */
export async function contactConversation(
  trx: Kysely<Database>,
  phone: string,
  channel: string,
  localNumber: string,
  now: number,
): Promise<{ conversation: ConversationRow; contact: ContactDetails }> {
  const [row] = (await selectContactConversation(trx, { phone, channel, local_number: localNumber })).rows;
  if (row?.id) {
    const { ct_id: _id, ct_fields: fields, ct_tags: tags, ...conversation } = row;
    return { conversation: conversation as ConversationRow, contact: { phone, fields, tags } };
  }
  // First sight of the conversation, or of the contact too. A contact inserted here has no fields
  // or tags yet; one another transaction inserted meanwhile is read.
  let contact: ContactDetails & { id: string };
  if (row) contact = { id: row.ct_id, phone, fields: row.ct_fields, tags: row.ct_tags };
  else {
    const [inserted] = (await insertContact(trx, { id: newId('ct', now), phone, now })).rows;
    const found = inserted ? { id: inserted.id, fields: '{}', tags: '[]' } : (await selectContactDetails(trx, { phone })).rows[0];
    if (!found) throw new Error(`contact for ${phone} neither inserted nor found`);
    contact = { ...found, phone };
  }
  const conversation = await upsertConversation(trx, contact.id, channel, localNumber, now);
  return { conversation, contact: { phone, fields: contact.fields, tags: contact.tags } };
}

/** A message in or out: the conversation's last activity is now. */
export const touchConversation = precompile(['id', 'now'], (db, p: { id: string; now: number }) =>
  db.updateTable('conversations').set({ last_message_at: p.now, updated_at: p.now }).where('id', '=', p.id),
);
