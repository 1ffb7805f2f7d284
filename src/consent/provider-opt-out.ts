import type { Kysely } from 'kysely';
import type { Database, MessageRow } from '../store/schema.js';
import { consentEventData, suppress, type ConsentChange } from './consent.js';
import { recordEvent } from '../events/events.js';
import { endSessionsOnOptOut } from '../conversations/flow-sessions.js';

/**
 * A provider that keeps its own opt-out list (a STOP sent to it, not relayed to Parley) says so by
 * refusing a send (Twilio 21610) or in a delivery receipt (Vonage err-code 9). Either way Parley
 * honours it as if the texter had said STOP here: the number is suppressed for the business number
 * the message came from, the texter's flows on it end, and `contact.opted_out` tells the business.
 * No confirmation is sent: the provider would not deliver it, and the texter has already had one.
 */
export async function suppressAtProviderWord(trx: Kysely<Database>, message: MessageRow, reason: string, now = Date.now()): Promise<void> {
  const conversation = message.conversation_id
    ? await trx.selectFrom('conversations').select('contact_id').where('id', '=', message.conversation_id).executeTakeFirst()
    : undefined;
  if (!conversation) return;
  const change: ConsentChange = {
    contactId: conversation.contact_id,
    phone: message.to_number,
    channel: message.channel,
    localNumber: message.from_number,
    messageId: message.id,
    text: reason.slice(0, 500),
    now,
  };
  await endSessionsOnOptOut(trx, message.to_number, message.from_number, now);
  if (await suppress(trx, change, 'number')) {
    await recordEvent(trx, 'contact.opted_out', consentEventData(change, 'number'), {
      contactId: change.contactId,
      messageId: message.id,
      now,
    });
  }
}
