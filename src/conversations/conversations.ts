import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import { precompile } from '../store/precompiled.js';
import type { ConversationRow, Database } from '../store/schema.js';

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
