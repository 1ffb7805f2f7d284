// Delivery receipts arrive late, twice, or out of order (Twilio documents no ordering at all), so a
// message's status may only move forward along this chain. `failed`, `undelivered` and `delivered`
// end the chain: nothing after them changes the message.

/** What a provider can say about a message it was given. */
export const outboundStatuses = ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed'] as const;
export type OutboundStatus = (typeof outboundStatuses)[number];

/**
 * Every status an outbound message can have: also `scheduled` (waiting for its `send_at`, not yet
 * the provider's business) and `canceled` (a scheduled message called off). No receipt can set
 * either: a provider never saw such a message.
 */
export const messageStatuses = ['scheduled', ...outboundStatuses, 'canceled'] as const;
export type MessageStatus = (typeof messageStatuses)[number];

const rank: Record<MessageStatus, number> = {
  scheduled: -1,
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  canceled: 3,
};

export function isFinalStatus(status: MessageStatus): boolean {
  return rank[status] === 3;
}

/** Whether a change to `next` may replace `current`. */
export function canAdvance(current: MessageStatus, next: MessageStatus): boolean {
  // A scheduled message is released (queued), dropped (failed) or canceled; it cannot be reported
  // sent or delivered, since it has not been handed to anyone yet.
  if (current === 'scheduled') return next === 'queued' || next === 'failed' || next === 'canceled';
  // Only a scheduled message can be canceled: once queued it may already be at the provider.
  if (next === 'canceled' || next === 'scheduled') return false;
  return !isFinalStatus(current) && rank[next] > rank[current];
}

/**
 * The statuses a broadcast's cancel withdraws a message from: scheduled, or queued with its send not
 * begun (the send job moves it to `sending` only over `queued`, so the two cannot both win).
 */
export const withdrawableStatuses: readonly MessageStatus[] = ['scheduled', 'queued'];

export function isOutboundStatus(value: unknown): value is OutboundStatus {
  return typeof value === 'string' && (outboundStatuses as readonly string[]).includes(value);
}
