import type { Kysely } from 'kysely';
import type { WebhookRequestRecord } from '../core/webhook-record.js';
import type { RoutingRecord } from '../routing/decision.js';
import type { Database, MessageRow } from '../store/schema.js';

// One message's whole life, read from where each step left its record: the raw webhook (with its
// request as kept at arrival, secrets already replaced), the router's decision, the replies it
// caused, each call to the provider, each receipt with what it did to the status, and each event
// about it with every delivery attempt to each endpoint. Only reads, each by an index.

export interface TraceWebhook {
  content_type: string | null;
  /** The body as text (never rendered as markup). */
  body: string;
  received_at: number;
  /** Null for rows kept before the trace was (migration 0020). */
  request: WebhookRequestRecord | null;
}

export interface TraceSendAttempt {
  attempt: number;
  started_at: number;
  duration_ms: number;
  outcome: string;
  http_status: number | null;
  provider_message_id: string | null;
  provider_status: string | null;
  error_kind: string | null;
  error_code: string | null;
  error_message: string | null;
}

export interface TraceReceipt {
  id: number;
  received_at: number;
  status: string;
  provider_status: string;
  error_code: string | null;
  provider_time: number | null;
  applied_at: number | null;
  status_before: string | null;
  status_after: string | null;
  /** Whether it moved the status: false for a receipt that came too late (delivered before sent); null while unapplied. */
  changed: boolean | null;
}

export interface TraceDeliveryAttempt {
  attempted_at: number;
  duration_ms: number;
  response_status: number | null;
  error: string | null;
}

export interface TraceDelivery {
  id: string;
  endpoint_id: string;
  endpoint_url: string | null;
  status: string;
  attempts: TraceDeliveryAttempt[];
}

export interface TraceEvent {
  id: string;
  type: string;
  occurred_at: number;
  deliveries: TraceDelivery[];
}

export interface TraceRelated {
  id: string;
  body: string;
  status: string;
  origin: string;
  created_at: number;
}

export interface MessageTrace {
  message: MessageRow;
  /** The time the trace counts from: the webhook's arrival for an inbound message, its creation for an outbound one. */
  origin: number;
  webhook: TraceWebhook | null;
  routing: RoutingRecord | null;
  /** Inbound: the replies it caused. */
  replies: TraceRelated[];
  /** Outbound: the message it answers. */
  reply_to: TraceRelated | null;
  send_attempts: TraceSendAttempt[];
  receipts: TraceReceipt[];
  events: TraceEvent[];
}

const parse = <T>(text: string | null): T | null => {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
};

const related = (m: Pick<MessageRow, 'id' | 'body' | 'status' | 'origin' | 'created_at'>): TraceRelated => ({
  id: m.id,
  body: m.body,
  status: m.status,
  origin: m.origin,
  created_at: m.created_at,
});

/** The trace of message `id`, or null when there is no such message. */
export async function loadMessageTrace(db: Kysely<Database>, id: string): Promise<MessageTrace | null> {
  const message = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
  if (!message) return null;
  const inbound = message.direction === 'inbound';

  const [webhookRow, replies, replyTo, attempts, receipts, events] = await Promise.all([
    // Written in the message's own insert, with its created_at: found through the received_at index.
    inbound
      ? db
          .selectFrom('webhook_receipts')
          .select(['content_type', 'body', 'received_at', 'request'])
          .where('received_at', '=', message.created_at)
          .where('message_id', '=', message.id)
          .executeTakeFirst()
      : Promise.resolve(undefined),
    inbound
      ? db
          .selectFrom('messages')
          .select(['id', 'body', 'status', 'origin', 'created_at'])
          .where('reply_to_id', '=', message.id)
          .orderBy('id')
          .execute()
      : Promise.resolve([]),
    message.reply_to_id
      ? db
          .selectFrom('messages')
          .select(['id', 'body', 'status', 'origin', 'created_at'])
          .where('id', '=', message.reply_to_id)
          .executeTakeFirst()
      : Promise.resolve(undefined),
    inbound ? Promise.resolve([]) : db.selectFrom('send_attempts').selectAll().where('message_id', '=', message.id).orderBy('id').execute(),
    inbound ? Promise.resolve([]) : loadReceipts(db, message),
    loadEvents(db, message.id),
  ]);

  const webhook: TraceWebhook | null = webhookRow
    ? {
        content_type: webhookRow.content_type,
        body: webhookRow.body,
        received_at: webhookRow.received_at,
        request: parse<WebhookRequestRecord>(webhookRow.request),
      }
    : null;
  return {
    message,
    origin: webhook?.request?.arrived_at ?? message.created_at,
    webhook,
    routing: parse<RoutingRecord>(message.routing),
    replies: replies.map(related),
    reply_to: replyTo ? related(replyTo) : null,
    send_attempts: attempts.map(({ id: _id, message_id: _m, ...a }) => a),
    receipts,
    events,
  };
}

/** Receipts about an outbound message, in arrival order: by its provider id and its parts' ids (the unique key's prefix). */
async function loadReceipts(db: Kysely<Database>, message: MessageRow): Promise<TraceReceipt[]> {
  const parts = await db.selectFrom('outbound_part_ids').select('provider_message_id').where('message_id', '=', message.id).execute();
  const providerIds = [...new Set([message.provider_message_id, ...parts.map((p) => p.provider_message_id)])].filter(
    (v): v is string => v !== null,
  );
  const rows =
    providerIds.length > 0
      ? await db
          .selectFrom('status_receipts')
          .selectAll()
          .where('channel', '=', message.channel)
          .where('provider_message_id', 'in', providerIds)
          .execute()
      : // Not sent yet, or no answer: receipts that named Parley's id in the callback URL.
        await db.selectFrom('status_receipts').selectAll().where('parley_message_id', '=', message.id).execute();
  return rows
    .sort((a, b) => a.id - b.id)
    .map((r) => ({
      id: Number(r.id),
      received_at: r.received_at,
      status: r.status,
      provider_status: r.provider_status,
      error_code: r.error_code,
      provider_time: r.provider_time,
      applied_at: r.applied_at,
      status_before: r.status_before,
      status_after: r.status_after,
      changed: r.applied_at === null || r.status_before === null ? null : r.status_before !== r.status_after,
    }));
}

async function loadEvents(db: Kysely<Database>, messageId: string): Promise<TraceEvent[]> {
  const events = await db
    .selectFrom('events')
    .select(['id', 'type', 'occurred_at'])
    .where('message_id', '=', messageId)
    .orderBy('id')
    .limit(200)
    .execute();
  if (events.length === 0) return [];
  const deliveries = await db
    .selectFrom('deliveries')
    .leftJoin('endpoints', 'endpoints.id', 'deliveries.endpoint_id')
    .select(['deliveries.id', 'deliveries.event_id', 'deliveries.endpoint_id', 'deliveries.status', 'endpoints.url'])
    .where(
      'deliveries.event_id',
      'in',
      events.map((e) => e.id),
    )
    .orderBy('deliveries.id')
    .execute();
  const attempts =
    deliveries.length > 0
      ? await db
          .selectFrom('delivery_attempts')
          .select(['delivery_id', 'attempted_at', 'duration_ms', 'response_status', 'error'])
          .where(
            'delivery_id',
            'in',
            deliveries.map((d) => d.id),
          )
          .orderBy('id')
          .execute()
      : [];
  return events.map((event) => ({
    ...event,
    deliveries: deliveries
      .filter((d) => d.event_id === event.id)
      .map((d) => ({
        id: d.id,
        endpoint_id: d.endpoint_id,
        endpoint_url: d.url,
        status: d.status,
        attempts: attempts
          .filter((a) => a.delivery_id === d.id)
          .map(({ delivery_id: _d, ...a }) => ({ ...a, attempted_at: Number(a.attempted_at), duration_ms: Number(a.duration_ms) })),
      })),
  }));
}

/**
 * Messages whose Parley id or provider id is `id` (a provider id may repeat across channels and
 * directions), newest first. `channels` are the configured channels' names: with them the lookup
 * walks the (channel, direction, provider id) unique index.
 */
export async function findMessages(db: Kysely<Database>, id: string, channels: readonly string[]): Promise<MessageRow[]> {
  const byId = await db.selectFrom('messages').selectAll().where('id', '=', id).execute();
  if (byId.length > 0) return byId;
  const byProviderId =
    channels.length > 0
      ? await db
          .selectFrom('messages')
          .selectAll()
          .where('channel', 'in', [...channels])
          .where('direction', 'in', ['inbound', 'outbound'])
          .where('provider_message_id', '=', id)
          .orderBy('id', 'desc')
          .limit(50)
          .execute()
      : [];
  if (byProviderId.length > 0) return byProviderId;
  // A part of a long text the provider reports under its own id.
  const part = await db.selectFrom('outbound_part_ids').select('message_id').where('provider_message_id', '=', id).limit(50).execute();
  if (part.length === 0) return [];
  return db
    .selectFrom('messages')
    .selectAll()
    .where(
      'id',
      'in',
      part.map((p) => p.message_id),
    )
    .execute();
}
