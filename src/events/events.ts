import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { newId } from '../core/ids.js';
import type { MessageStatus } from '../core/message-status.js';
import { precompile } from '../store/precompiled.js';
import type { Database } from '../store/schema.js';
import { enqueueDeliveries, type EnabledEndpoint } from './fan-out.js';

// The event catalog: each state change Parley reports, and the data it carries. Events are written
// in the transaction of the change they describe, so none is ever lost or invented.
export interface EventPayloads {
  'message.received': {
    message_id: string;
    conversation_id: string;
    channel: string;
    from: string;
    to: string;
    body: string;
    media_urls: string[];
  };
  'message.sent': { message_id: string; channel: string; to: string; provider_message_id: string };
  /**
   * A send was cut short (its process died) after it may have reached the provider: whether the
   * text went out is unknown. `action` is the channel's `on_unknown_outcome`.
   */
  'message.unknown_outcome': { message_id: string; channel: string; to: string; action: UnknownOutcomeAction };
  'message.status': {
    message_id: string;
    status: MessageStatus;
    previous_status: string;
    provider_status: string | null;
    error_code: string | null;
  };
  'conversation.needs_human': { conversation_id: string; contact_id: string; channel: string; reason: NeedsHumanReason };
  'conversation.closed': { conversation_id: string; contact_id: string; channel: string };
  'contact.opted_out': ConsentEventData;
  'contact.opted_in': ConsentEventData;
  'flow.started': FlowEventBase & { phone: string; channel: string };
  /** A session entered a step (its message, if any, is queued in the same commit). */
  'flow.step': FlowEventBase & { step: string };
  'flow.completed': FlowEventBase & { step: string; outcome: FlowEndOutcome };
  /** A session reached its `expires_after` before the flow finished. */
  'flow.expired': FlowEventBase & { step: string };
  /** A flow's `event:` action. */
  'flow.event': FlowEventBase & { step: string; name: string; vars: Record<string, unknown> };
  /** An endpoint stopped receiving events: it answered 410 Gone, or failed everything for `webhooks.disable_after`. */
  'endpoint.disabled': { endpoint_id: string; url: string; reason: string };
  /** A keyword or intent rule with an `event:` matched an inbound message. */
  'rule.matched': { rule: string; event: string; intent: string | null; message_id: string; conversation_id: string; contact_id: string };
  /** Every recipient of a broadcast has had its text queued (or was skipped); sends and receipts may still follow. */
  'broadcast.completed': { broadcast_id: string; channel: string; recipients: number };
}

/** What Parley does with a send whose outcome is unknown: send it again (same Parley id), or fail the message. */
export type UnknownOutcomeAction = 'resend' | 'fail';

export interface ConsentEventData {
  contact_id: string;
  phone: string;
  channel: string;
  local_number: string;
  /** Which numbers the change covers: the business number, or '*' for all of them. */
  scope: string;
  message_id: string | null;
  text: string;
}

export interface FlowEventBase {
  session_id: string;
  flow: string;
  contact_id: string;
}

/** How a session ended other than by expiring. */
export type FlowEndOutcome = 'completed' | 'handed_off' | 'opted_out' | 'replaced';

export type NeedsHumanReason = 'unrecognized' | 'help' | 'rule' | 'auto_reply_loop' | 'unrouted' | 'flow';

export type EventType = keyof EventPayloads;

/** Every event type, for validating subscriptions (the check below keeps it complete). */
export const eventTypes = [
  'message.received',
  'message.sent',
  'message.unknown_outcome',
  'message.status',
  'conversation.needs_human',
  'conversation.closed',
  'contact.opted_out',
  'contact.opted_in',
  'rule.matched',
  'flow.started',
  'flow.step',
  'flow.completed',
  'flow.expired',
  'flow.event',
  'endpoint.disabled',
  'broadcast.completed',
] as const satisfies readonly EventType[];
const everyTypeListed: Exclude<EventType, (typeof eventTypes)[number]> extends never ? true : never = true;
void everyTypeListed;

export interface EventRefs {
  contactId?: string | null;
  messageId?: string | null;
  now?: number;
}

export async function recordEvent<T extends EventType>(
  trx: Kysely<Database>,
  type: T,
  data: EventPayloads[T],
  refs: EventRefs = {},
): Promise<string> {
  const now = refs.now ?? Date.now();
  const id = newId('evt', now);
  const [inserted] = (
    await insertEvent(trx, {
      id,
      type,
      occurred_at: now,
      contact_id: refs.contactId ?? null,
      message_id: refs.messageId ?? null,
      data: JSON.stringify(data),
      separator: endpointSeparator,
    })
  ).rows;
  await enqueueDeliveries(trx, { id, type, contactId: refs.contactId ?? null, now }, parseEnabledEndpoints(inserted?.endpoints ?? null));
  return id;
}

/**
 * Deletes the events `events` selects, with their webhook deliveries and everything a delivery
 * keeps (its attempts' log, its place at the head of an ordered endpoint's queue).
 */
export async function deleteEvents(
  trx: Kysely<Database>,
  events: SelectQueryBuilder<Database, 'events', { id: string }>,
): Promise<{ events: number; deliveries: number; attempts: number }> {
  const deliveries = trx.selectFrom('deliveries').select('id').where('event_id', 'in', events);
  await trx.deleteFrom('delivery_order_heads').where('delivery_id', 'in', deliveries).execute();
  const attempts = await trx.deleteFrom('delivery_attempts').where('delivery_id', 'in', deliveries).executeTakeFirst();
  const gone = await trx.deleteFrom('deliveries').where('event_id', 'in', events).executeTakeFirst();
  const deleted = await trx.deleteFrom('events').where('id', 'in', events).executeTakeFirst();
  return { events: Number(deleted.numDeletedRows), deliveries: Number(gone.numDeletedRows), attempts: Number(attempts.numDeletedRows) };
}

// Nearly every job records an event: compiled once (see store/precompiled.ts). The same statement
// reads the enabled endpoints the event fans out to (a subquery in RETURNING, which SQLite and
// PostgreSQL both take): on PostgreSQL that is one round trip per event instead of two. One line
// per endpoint: its id, whether it is ordered, and its event types (JSON, which has no newline).
const insertEvent = precompile(
  ['id', 'type', 'occurred_at', 'contact_id', 'message_id', 'data', 'separator'],
  (
    db,
    p: {
      id: string;
      type: string;
      occurred_at: number;
      contact_id: string | null;
      message_id: string | null;
      data: string;
      separator: string;
    },
  ) =>
    db
      .insertInto('events')
      .values({ id: p.id, type: p.type, occurred_at: p.occurred_at, contact_id: p.contact_id, message_id: p.message_id, data: p.data })
      .returning(
        sql<
          string | null
        >`(select string_agg(e.id || ' ' || e.ordered || ' ' || e.event_types, ${p.separator}) from endpoints e where e.status = 'enabled')`.as(
          'endpoints',
        ),
      ),
);

const endpointSeparator = '\n';

function parseEnabledEndpoints(lines: string | null): EnabledEndpoint[] {
  if (lines === null) return [];
  return lines.split(endpointSeparator).map((line) => {
    const [id, ordered] = line.split(' ', 2) as [string, string];
    return { id, ordered: Number(ordered), event_types: line.slice(id.length + ordered.length + 2) };
  });
}
