import { sql } from 'kysely';
import type { Store } from '../store/database.js';
import { deleteEvents } from '../events/events.js';
import { contactGroup, releaseGroup, sendGroup } from '../queue/groups.js';

// A person's right to have what a business holds about them erased: everything Parley keeps about
// one contact goes, in one transaction — the contact, their conversations and messages, the raw
// webhooks and receipts of those messages, their flow sessions, the events about them with those
// events' deliveries, and the jobs still waiting to act for them.
//
// One thing stays if the number opted out: the suppression and its consent history. Honouring a
// STOP is a legal duty that outlasts the erasure, and it cannot be honoured without the number
// (a later text from it starts a new contact, still opted out).
//
// Copies that cannot be tied to the contact (a raw webhook Parley could not read, a receipt that
// matched no message) are not found here; retention removes them within its periods.

export interface ErasureReport {
  contact_id: string;
  erased: {
    messages: number;
    conversations: number;
    flow_sessions: number;
    events: number;
    deliveries: number;
    jobs: number;
  };
  /** The number stays suppressed, with its consent history, because it opted out. */
  kept_opt_out: boolean;
}

/** Erases the contact and what Parley holds about them, in one write transaction. */
export async function eraseContact(store: Store, contact: { id: string; phone: string }): Promise<ErasureReport> {
  return store.write(async (trx) => {
    const conversations = trx.selectFrom('conversations').select('id').where('contact_id', '=', contact.id);
    // Also messages no conversation holds yet (an inbound text not routed): by the number. Read
    // inside the write, so nothing that arrives meanwhile is missed; erasures are rare.
    const messages = trx
      .selectFrom('messages')
      .select('id')
      .where((eb) =>
        eb.or([eb('conversation_id', 'in', conversations), eb('from_number', '=', contact.phone), eb('to_number', '=', contact.phone)]),
      );
    const events = trx
      .selectFrom('events')
      .select('id')
      .where((eb) => eb.or([eb('contact_id', '=', contact.id), eb('message_id', 'in', messages)]));
    const count = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);

    // Dependents first: PostgreSQL holds messages to their conversations, conversations to the contact.
    const gone = await deleteEvents(trx, events);
    await trx.deleteFrom('webhook_receipts').where('message_id', 'in', messages).execute();
    await trx.deleteFrom('status_receipts').where('parley_message_id', 'in', messages).execute();
    await trx.deleteFrom('outbound_part_ids').where('message_id', 'in', messages).execute();
    await trx.deleteFrom('send_attempts').where('message_id', 'in', messages).execute();
    await trx.deleteFrom('inbound_parts').where('from_number', '=', contact.phone).execute();
    // Their place in broadcasts (a broadcast's list of numbers is dropped once its recipients are written).
    await trx.deleteFrom('broadcast_recipients').where('phone', '=', contact.phone).execute();
    await trx.deleteFrom('inbound_part_sets').where('from_number', '=', contact.phone).execute();
    // Running jobs hold a lease and are left alone: one that commits after this may record a new
    // contact for the number, as a new text would.
    const jobCount = count(
      await trx
        .deleteFrom('jobs')
        .where((eb) =>
          eb.or([
            eb('group_key', 'in', [contactGroup(contact.phone), sendGroup(contact.phone)]),
            // Scheduled messages' release jobs, each in a group named after its message (queue/groups.ts).
            eb('group_key', 'in', messages.clearSelect().select(sql<string>`${releaseGroup('')} || id`.as('group_key'))),
          ]),
        )
        .where('state', '!=', 'running')
        .executeTakeFirst(),
    );
    const sessionCount = count(await trx.deleteFrom('flow_sessions').where('contact_id', '=', contact.id).executeTakeFirst());
    const messageCount = count(await trx.deleteFrom('messages').where('id', 'in', messages).executeTakeFirst());
    const conversationCount = count(await trx.deleteFrom('conversations').where('contact_id', '=', contact.id).executeTakeFirst());

    const optedOut =
      (await trx.selectFrom('suppressions').select('phone').where('phone', '=', contact.phone).executeTakeFirst()) !== undefined;
    if (!optedOut) await trx.deleteFrom('consent_changes').where('phone', '=', contact.phone).execute();
    await trx.deleteFrom('contacts').where('id', '=', contact.id).execute();

    return {
      contact_id: contact.id,
      erased: {
        messages: messageCount,
        conversations: conversationCount,
        flow_sessions: sessionCount,
        events: gone.events,
        deliveries: gone.deliveries,
        jobs: jobCount,
      },
      kept_opt_out: optedOut,
    };
  });
}
