import type { Insertable } from 'kysely';
import type { Database } from '../../src/store/schema.js';

type MessageInsert = Insertable<Database['messages']>;

/** What a test or bench says of a message it writes straight into the database. */
export type MessageFacts = Pick<
  MessageInsert,
  | 'id'
  | 'conversation_id'
  | 'direction'
  | 'channel'
  | 'from_number'
  | 'to_number'
  | 'body'
  | 'provider_message_id'
  | 'status'
  | 'created_at'
>;

/** A one-segment GSM-7 message row, processed when it was created: the rest left empty. */
export function messageRow(facts: MessageFacts & Partial<MessageInsert>): MessageInsert {
  return {
    media_urls: '[]',
    provider_status: null,
    error_code: null,
    error_message: null,
    segments: 1,
    encoding: 'GSM-7',
    reply_to_id: null,
    provider_time: null,
    processed_at: facts.created_at,
    updated_at: facts.created_at,
    ...facts,
  };
}
