import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import type { ConversationRow, Database } from '../store/schema.js';

/** The contact for a phone number, created on first sight. */
export async function upsertContact(trx: Kysely<Database>, phone: string, now: number): Promise<string> {
  await trx
    .insertInto('contacts')
    .values({ id: newId('ct', now), phone, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('phone').doNothing())
    .execute();
  const row = await trx.selectFrom('contacts').select('id').where('phone', '=', phone).executeTakeFirstOrThrow();
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
  await trx
    .insertInto('conversations')
    .values({
      id: newId('conv', now),
      contact_id: contactId,
      channel,
      local_number: localNumber,
      status: 'open',
      last_message_at: now,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['contact_id', 'channel', 'local_number']).doNothing())
    .execute();
  return trx
    .selectFrom('conversations')
    .selectAll()
    .where('contact_id', '=', contactId)
    .where('channel', '=', channel)
    .where('local_number', '=', localNumber)
    .executeTakeFirstOrThrow();
}
