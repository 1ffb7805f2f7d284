// A sender's rate limits and the slot arithmetic they imply, apart from the clocks that hold them
// (outbound/sender-clock.ts). A text from a number may be limited by the number's own rate, by
// the channel's rate shared by all its numbers, by both, or by neither.

/** Texts per second: `perNumber` for each sending number, `perChannel` across all of a channel's numbers. */
export interface SenderRate {
  perNumber?: number | undefined;
  perChannel?: number | undefined;
}

/** A number sending on a channel under that channel's rates. */
export interface Sender {
  channel: string;
  number: string;
  rate: SenderRate;
}

/** The rates a channel's configuration sets (`rate_limit`, `channel_rate_limit`). */
export function senderRate(config: { rate_limit?: number | undefined; channel_rate_limit?: number | undefined }): SenderRate {
  return { perNumber: config.rate_limit, perChannel: config.channel_rate_limit };
}

export function isRateLimited(rate: SenderRate): boolean {
  return rate.perNumber !== undefined || rate.perChannel !== undefined;
}

/** The time between two texts at `perSecond` (at least 1 ms: the clocks count whole milliseconds). */
export function spacingMs(perSecond: number): number {
  return Math.max(1, Math.round(1000 / perSecond));
}

/**
 * How far one clock moves for each text, by which limit; 0 where there is none, so a clock
 * (the number's, under a channel limit alone) still carries a page's span and a provider's pause.
 */
export function clockSpacings(rate: SenderRate): { number: number; channel: number } {
  return {
    number: rate.perNumber === undefined ? 0 : spacingMs(rate.perNumber),
    channel: rate.perChannel === undefined ? 0 : spacingMs(rate.perChannel),
  };
}

/** The spacing of consecutive texts from one number: the slower of the limits that apply. */
export function senderSpacingMs(rate: SenderRate): number {
  const { number, channel } = clockSpacings(rate);
  return Math.max(number, channel);
}

/**
 * How far past the first slot each clock moves for `count` texts spaced `senderSpacingMs` apart:
 * each text owns its own spacing on each clock from its slot, so the last one's ends the span.
 */
export function clockSpans(rate: SenderRate, count: number): { number: number; channel: number } {
  const spacing = senderSpacingMs(rate);
  const own = clockSpacings(rate);
  return { number: (count - 1) * spacing + own.number, channel: (count - 1) * spacing + own.channel };
}
