import type { ContactRow, MessageRow } from '../store/schema.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A message as the API shows it. */
export function messageJson(row: MessageRow) {
  return {
    id: row.id,
    direction: row.direction,
    channel: row.channel,
    conversation_id: row.conversation_id,
    from: row.from_number,
    to: row.to_number,
    body: row.body,
    media_urls: JSON.parse(row.media_urls) as string[],
    status: row.status,
    provider_message_id: row.provider_message_id,
    provider_status: row.provider_status,
    error_code: row.error_code,
    error_message: row.error_message,
    segments: row.segments,
    encoding: row.encoding,
    reply_to_id: row.reply_to_id,
    origin: row.direction === 'outbound' ? row.origin : null,
    intent: row.direction === 'inbound' ? row.intent : null,
    template: row.template,
    broadcast_id: row.broadcast_id,
    send_at: iso(row.send_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** A contact's profile as the API shows it (GET /v1/contacts/:id adds the consent history). */
export function contactJson(row: ContactRow, optedOut: boolean) {
  return {
    id: row.id,
    phone: row.phone,
    fields: JSON.parse(row.fields) as Record<string, unknown>,
    tags: JSON.parse(row.tags) as string[],
    timezone: row.timezone,
    language: row.language,
    opted_out: optedOut,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
