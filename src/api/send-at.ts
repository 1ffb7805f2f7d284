import { ParleyError } from '../errors.js';
import type { EngineContext } from '../runtime/context.js';
import { readTime } from './time.js';

/** How far ahead a send may be scheduled: further is more likely a mistake (seconds read as milliseconds) than a plan. */
const maxScheduleAheadMs = 366 * 86_400_000;

/** A time to send at (a message's or a broadcast's): not so long ago that it would be dropped as late, nor over a year ahead. */
export function readSendAt(ctx: EngineContext, value: string): number {
  const at = readTime(value, 'send_at');
  const now = Date.now();
  const maxLateness = ctx.config.outbound.max_lateness;
  if (maxLateness !== null && at < now - maxLateness) {
    throw new ParleyError(
      'invalid_payload',
      `send_at: ${value} is further in the past than outbound.max_lateness allows; leave it out to send now.`,
    );
  }
  if (at > now + maxScheduleAheadMs) throw new ParleyError('invalid_payload', `send_at: ${value} is more than 366 days ahead.`);
  return at;
}
