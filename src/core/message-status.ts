// Delivery receipts arrive late, twice, or out of order (Twilio documents no ordering at all), so a
// message's status may only move forward along this chain. `failed`, `undelivered` and `delivered`
// end the chain: nothing after them changes the message.

export const outboundStatuses = ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed'] as const;
export type OutboundStatus = (typeof outboundStatuses)[number];

const rank: Record<OutboundStatus, number> = {
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
};

export function isFinalStatus(status: OutboundStatus): boolean {
  return rank[status] === 3;
}

/** Whether a receipt saying `next` may replace `current`. */
export function canAdvance(current: OutboundStatus, next: OutboundStatus): boolean {
  return !isFinalStatus(current) && rank[next] > rank[current];
}

export function isOutboundStatus(value: unknown): value is OutboundStatus {
  return typeof value === 'string' && (outboundStatuses as readonly string[]).includes(value);
}
