import { newId } from '../core/ids.js';
import { countSegments } from '../core/segments.js';
import type { InboundMessage, StatusReceipt } from '../providers/contract.js';
import { enqueue } from '../queue/enqueue.js';
import { precompile } from '../store/precompiled.js';
import type { EngineContext } from './context.js';

export interface RawWebhook {
  contentType: string | null;
  body: Buffer;
}

export interface IngestResult {
  /** Parley's id of the message (inbound) or receipt (status). */
  id: string;
  /** The provider sent this one before; nothing was changed. */
  duplicate: boolean;
}

// The hot path's statements, compiled once (see store/precompiled.ts).
const insertInboundMessage = precompile<{
  id: string;
  channel: string;
  from: string;
  to: string;
  body: string;
  media_urls: string;
  provider_message_id: string;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
  provider_time: number | null;
  now: number;
}>(
  ['id', 'channel', 'from', 'to', 'body', 'media_urls', 'provider_message_id', 'segments', 'encoding', 'provider_time', 'now'],
  (db, p) =>
    db
      .insertInto('messages')
      .values({
        id: p.id,
        conversation_id: null,
        direction: 'inbound',
        channel: p.channel,
        from_number: p.from,
        to_number: p.to,
        body: p.body,
        media_urls: p.media_urls,
        provider_message_id: p.provider_message_id,
        status: 'received',
        provider_status: null,
        error_code: null,
        error_message: null,
        segments: p.segments,
        encoding: p.encoding,
        reply_to_id: null,
        provider_time: p.provider_time,
        processed_at: null,
        created_at: p.now,
        updated_at: p.now,
      })
      .onConflict((oc) => oc.columns(['channel', 'direction', 'provider_message_id']).doNothing())
      .returning('id'),
);

const insertWebhookReceipt = precompile<{
  channel: string;
  kind: 'inbound' | 'status';
  message_id: string | null;
  content_type: string | null;
  body: string;
  now: number;
}>(['channel', 'kind', 'message_id', 'content_type', 'body', 'now'], (db, p) =>
  db.insertInto('webhook_receipts').values({
    channel: p.channel,
    kind: p.kind,
    message_id: p.message_id,
    content_type: p.content_type,
    body: p.body,
    received_at: p.now,
  }),
);

/** The group that serialises everything Parley does in answer to one contact. */
export function contactGroup(phone: string): string {
  return `contact:${phone}`;
}

/**
 * Stores a verified inbound message, its raw webhook and the job that routes it, in one commit.
 * Resolves only once that commit is durable, which is what lets the caller answer 2xx. A message
 * the provider already delivered (same channel and provider id) changes nothing.
 */
export async function ingestInbound(ctx: EngineContext, channel: string, message: InboundMessage, raw: RawWebhook): Promise<IngestResult> {
  const result = await ctx.store.write(async (trx) => {
    const now = Date.now();
    const id = newId('msg', now);
    const { encoding, segments } = countSegments(message.body);
    const { rows } = await insertInboundMessage<{ id: string }>(trx, {
      id,
      channel,
      from: message.from,
      to: message.to,
      body: message.body,
      media_urls: JSON.stringify(message.mediaUrls),
      provider_message_id: message.providerMessageId,
      segments,
      encoding,
      provider_time: message.providerTime,
      now,
    });
    const inserted = rows[0];

    if (!inserted) {
      const existing = await trx
        .selectFrom('messages')
        .select('id')
        .where('channel', '=', channel)
        .where('direction', '=', 'inbound')
        .where('provider_message_id', '=', message.providerMessageId)
        .executeTakeFirstOrThrow();
      return { id: existing.id, duplicate: true };
    }

    await insertWebhookReceipt(trx, { channel, kind: 'inbound', message_id: id, content_type: raw.contentType, body: raw.body.toString('utf8'), now });
    await enqueue(trx, 'inbound.process', { messageId: id }, { groupKey: contactGroup(message.from), now, maxAttempts: ctx.config.queue.max_attempts });
    return { id, duplicate: false };
  });
  if (!result.duplicate) ctx.jobsQueued();
  return result;
}

/** Enough tries, with the queue's backoff, to outlast a slow send call (see status.ts). */
const receiptMaxAttempts = 20;

/**
 * Stores a verified delivery receipt and the job that applies it. The receipt is applied by a job
 * rather than here because it may arrive before the send call that produced its provider id has
 * returned; the job retries until the message is known.
 */
export async function ingestStatus(ctx: EngineContext, channel: string, receipt: StatusReceipt, raw: RawWebhook): Promise<IngestResult> {
  const result = await ctx.store.write(async (trx) => {
    const now = Date.now();
    const inserted = await trx
      .insertInto('status_receipts')
      .values({
        channel,
        provider_message_id: receipt.providerMessageId,
        status: receipt.status,
        provider_status: receipt.providerStatus,
        error_code: receipt.errorCode,
        provider_time: receipt.providerTime,
        received_at: now,
        applied_at: null,
      })
      .onConflict((oc) => oc.columns(['channel', 'provider_message_id', 'provider_status']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return { id: '', duplicate: true };

    await insertWebhookReceipt(trx, { channel, kind: 'status', message_id: null, content_type: raw.contentType, body: raw.body.toString('utf8'), now });
    await enqueue(trx, 'status.apply', { receiptId: inserted.id }, { now, maxAttempts: receiptMaxAttempts });
    return { id: `rcpt_${inserted.id}`, duplicate: false };
  });
  if (!result.duplicate) ctx.jobsQueued();
  return result;
}
