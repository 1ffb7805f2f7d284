import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import { precompile } from '../store/precompiled.js';
import type { ContactRow, ConversationRow, Database } from '../store/schema.js';

// Every routed message runs these: compiled once (see store/precompiled.ts).

const insertContact = precompile(['id', 'phone', 'now'], (db, p: { id: string; phone: string; now: number }) =>
  db
    .insertInto('contacts')
    .values({ id: p.id, phone: p.phone, created_at: p.now, updated_at: p.now })
    .onConflict((oc) => oc.column('phone').doNothing()),
);
const selectContactId = precompile(['phone'], (db, p: { phone: string }) =>
  db.selectFrom('contacts').select('id').where('phone', '=', p.phone),
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
      .onConflict((oc) => oc.columns(['contact_id', 'channel', 'local_number']).doNothing()),
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
  await insertContact(trx, { id: newId('ct', now), phone, now });
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
  await insertConversation(trx, { id: newId('conv', now), contact_id: contactId, channel, local_number: localNumber, now });
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
