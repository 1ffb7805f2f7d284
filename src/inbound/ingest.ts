import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import { countSegments } from '../core/segments.js';
import { storableText } from '../core/text.js';
import type { InboundMessage, StatusReceipt } from '../providers/contract.js';
import { enqueue, enqueueMany } from '../queue/enqueue.js';
import { createBatcher } from '../store/batcher.js';
import { precompile } from '../store/precompiled.js';
import type { Database } from '../store/schema.js';
import type { EngineContext } from '../runtime/context.js';
import type { WebhookRequestRecord } from '../core/webhook-record.js';
import { contactGroup } from '../queue/groups.js';

export interface RawWebhook {
  contentType: string | null;
  body: Buffer;
  /** How it came, secrets already replaced (core/webhook-record.ts); absent from spool entries of earlier versions. */
  request?: WebhookRequestRecord | null | undefined;
}

/** The stored form of `raw.request`. */
export function requestText(raw: RawWebhook): string | null {
  return raw.request ? JSON.stringify(raw.request) : null;
}

export interface IngestResult {
  /** Parley's id of the message (inbound) or receipt (status). */
  id: string;
  /** The provider sent this one before; nothing was changed. */
  duplicate: boolean;
}

// Raw webhook insert for receipts and message parts, compiled once (see store/precompiled.ts).
export const insertWebhookReceipt = precompile(
  ['channel', 'kind', 'message_id', 'content_type', 'body', 'raw_body', 'request', 'now'],
  (
    db,
    p: {
      channel: string;
      kind: 'inbound' | 'status';
      message_id: string | null;
      content_type: string | null;
      body: string;
      raw_body: Buffer;
      request: string | null;
      now: number;
    },
  ) =>
    db.insertInto('webhook_receipts').values({
      channel: p.channel,
      kind: p.kind,
      message_id: p.message_id,
      content_type: p.content_type,
      body: p.body,
      raw_body: p.raw_body,
      request: p.request,
      received_at: p.now,
    }),
);

interface InboundItem {
  channel: string;
  message: InboundMessage;
  /** Null for a message assembled from parts, whose webhooks were kept as they arrived. */
  raw: RawWebhook | null;
}

// One batcher per store: webhooks arriving together are written with one multi-row insert per
// table, in one commit (see insertInboundBatch).
const inboundBatchers = new WeakMap<object, (item: InboundItem) => Promise<IngestResult>>();

/**
 * Stores a verified inbound message, its raw webhook and the job that routes it, in one commit.
 * Resolves only once that commit is durable, which is what lets the caller answer 2xx. A message
 * the provider already delivered (same channel and provider id) changes nothing.
 */
export async function ingestInbound(ctx: EngineContext, channel: string, message: InboundMessage, raw: RawWebhook): Promise<IngestResult> {
  let submit = inboundBatchers.get(ctx.store);
  if (!submit) {
    submit = createBatcher((items: InboundItem[]) => ctx.store.write((trx) => insertInboundBatch(trx, ctx, items)));
    inboundBatchers.set(ctx.store, submit);
  }
  const result = await submit({ channel, message, raw });
  if (!result.duplicate) ctx.jobsQueued();
  return result;
}

/**
 * Writes a batch of inbound messages with three statements in all rather than three per message.
 * Rows a provider already delivered are skipped by the unique key and answered with the stored
 * message's id. Jobs are inserted in arrival order, which is the order each contact's messages
 * are routed in.
 */
export async function insertInboundBatch(trx: Kysely<Database>, ctx: EngineContext, items: InboundItem[]): Promise<IngestResult[]> {
  const now = Date.now();
  const rows = items.map(({ channel, message }) => {
    const { encoding, segments } = countSegments(message.body);
    return {
      id: newId('msg', now),
      conversation_id: null,
      direction: 'inbound' as const,
      channel,
      from_number: message.from,
      to_number: message.to,
      body: message.body,
      media_urls: JSON.stringify(message.mediaUrls),
      provider_message_id: message.providerMessageId,
      status: 'received',
      provider_status: null,
      error_code: null,
      error_message: null,
      segments,
      encoding,
      reply_to_id: null,
      provider_time: message.providerTime,
      processed_at: null,
      created_at: now,
      updated_at: now,
    };
  });
  const inserted = new Set(
    (
      await trx
        .insertInto('messages')
        .values(rows)
        .onConflict((oc) => oc.columns(['channel', 'direction', 'provider_message_id']).doNothing())
        .returning('id')
        .execute()
    ).map((r) => r.id),
  );

  const fresh = items.map((item, i) => ({ item, id: rows[i]!.id })).filter(({ id }) => inserted.has(id));
  if (fresh.length > 0) {
    const raws = fresh.flatMap(({ item, id }) =>
      item.raw
        ? [
            {
              channel: item.channel,
              kind: 'inbound' as const,
              message_id: id,
              content_type: item.raw.contentType,
              body: storableText(item.raw.body),
              raw_body: item.raw.body,
              request: requestText(item.raw),
              // The message's created_at too: the trace finds the row by it, through the
              // received_at index, so no index on message_id costs every webhook a B-tree.
              received_at: now,
            },
          ]
        : [],
    );
    if (raws.length > 0) await trx.insertInto('webhook_receipts').values(raws).execute();
    await enqueueMany(
      trx,
      fresh.map(({ item, id }) => ({
        kind: 'inbound.process' as const,
        payload: { messageId: id },
        options: { groupKey: contactGroup(item.message.from), now, maxAttempts: ctx.config.queue.max_attempts },
      })),
    );
  }

  const results: IngestResult[] = [];
  for (const [i, item] of items.entries()) {
    const id = rows[i]!.id;
    if (inserted.has(id)) {
      results.push({ id, duplicate: false });
      continue;
    }
    // A provider's retry (rare): answer with the message it delivered first.
    const existing = await trx
      .selectFrom('messages')
      .select('id')
      .where('channel', '=', item.channel)
      .where('direction', '=', 'inbound')
      .where('provider_message_id', '=', item.message.providerMessageId)
      .executeTakeFirstOrThrow();
    results.push({ id: existing.id, duplicate: true });
  }
  return results;
}

/** Enough tries, with the queue's backoff, to outlast a slow send call (see status.ts). */
const receiptMaxAttempts = 20;

/**
 * Stores a verified delivery receipt and the job that applies it. The receipt is applied by a job
 * rather than here because it may arrive before the send call that produced its provider id has
 * returned; the job retries until the message is known.
 */
export async function ingestStatus(
  ctx: EngineContext,
  channel: string,
  receipt: StatusReceipt,
  raw: RawWebhook,
  parleyMessageId: string | null = null,
): Promise<IngestResult> {
  const result = await ctx.store.write(async (trx) => {
    const now = Date.now();
    const inserted = await trx
      .insertInto('status_receipts')
      .values({
        channel,
        provider_message_id: receipt.providerMessageId,
        parley_message_id: parleyMessageId,
        status: receipt.status,
        provider_status: receipt.providerStatus,
        error_code: receipt.errorCode,
        part_key: receipt.part?.key ?? null,
        part_total: receipt.part?.total ?? null,
        dedupe_key: receiptDedupeKey(receipt),
        provider_time: receipt.providerTime,
        received_at: now,
        applied_at: null,
        recipient_opted_out: receipt.recipientOptedOut ? 1 : 0,
      })
      .onConflict((oc) => oc.columns(['channel', 'provider_message_id', 'dedupe_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return { id: '', duplicate: true };

    await insertWebhookReceipt(trx, {
      channel,
      kind: 'status',
      message_id: null,
      content_type: raw.contentType,
      body: storableText(raw.body),
      raw_body: raw.body,
      request: requestText(raw),
      now,
    });
    await enqueue(trx, 'status.apply', { receiptId: inserted.id }, { now, maxAttempts: receiptMaxAttempts });
    return { id: `rcpt_${inserted.id}`, duplicate: false };
  });
  if (!result.duplicate) ctx.jobsQueued();
  return result;
}

/**
 * What makes a receipt distinct from the provider's retries of it: the provider's notification id
 * when it has one; otherwise the status, per part for per-part receipts.
 */
function receiptDedupeKey(receipt: StatusReceipt): string {
  if (receipt.notificationId) return `n:${receipt.notificationId}`;
  return receipt.part ? `${receipt.providerStatus}#${receipt.part.key}` : receipt.providerStatus;
}
