import type { Kysely } from 'kysely';
import type { QuietHoursConfig } from '../config-fields.js';
import type { ChannelConfig } from '../config.js';
import { recipientTimeZone } from '../core/phone-timezone.js';
import { nextAllowed, parseWindow } from '../core/quiet-hours.js';
import type { EngineContext } from '../runtime/context.js';
import type { Database, MessageOrigin } from '../store/schema.js';

// Quiet hours held to at send time (docs/outbound.md): a text that starts a conversation waits for
// the recipient's window to open, then goes at a moment spread over `outbound.quiet_hours_spread`,
// so a night's worth of held texts does not leave in one burst. Exempt: the opt-out confirmation,
// and anything but a broadcast to a texter who wrote within `outbound.live_conversation` (they
// are waiting for the answer).

export interface QuietHoursSubject {
  to: string;
  channel: ChannelConfig;
  origin: MessageOrigin;
  conversationId: string | null;
  /** A broadcast's own quiet hours, over the channel's and the deployment's. */
  override?: QuietHoursConfig | null | undefined;
  /** Part of a broadcast: never a reply, whoever wrote last. */
  bulk?: boolean;
}

/** The window that applies, most specific first; null when none does. */
export function quietHoursFor(ctx: EngineContext, channel: ChannelConfig, override?: QuietHoursConfig | null): QuietHoursConfig | null {
  return override ?? channel.quiet_hours ?? ctx.config.outbound.quiet_hours ?? null;
}

/**
 * When a text may go under quiet hours: null for now, else an instant in the recipient's next
 * window (its opening plus a random part of the spread).
 */
export async function quietHoursHold(
  db: Kysely<Database>,
  ctx: EngineContext,
  subject: QuietHoursSubject,
  now: number,
): Promise<number | null> {
  if (subject.origin === 'compliance') return null;
  if (!quietHoursFor(ctx, subject.channel, subject.override)) return null;
  const contact = await db.selectFrom('contacts').select('timezone').where('phone', '=', subject.to).executeTakeFirst();
  const opens = windowOpens(ctx, subject, contact?.timezone ?? null, now);
  if (opens === null) return null;
  if (subject.bulk !== true && subject.conversationId !== null && (await wroteRecently(db, ctx, subject.conversationId, now))) return null;
  return spread(ctx, opens);
}

/**
 * `quietHoursHold` for a broadcast's text, whose contact (and so its timezone) the caller holds:
 * bulk traffic is never a reply, so nothing is read. Null for now, else when it may go.
 */
export function bulkQuietHoursHold(
  ctx: EngineContext,
  subject: Omit<QuietHoursSubject, 'conversationId' | 'bulk'>,
  contactTimeZone: string | null,
  now: number,
): number | null {
  if (subject.origin === 'compliance') return null;
  const opens = windowOpens(ctx, subject, contactTimeZone, now);
  return opens === null ? null : spread(ctx, opens);
}

/** When the recipient's window next opens, or null when it is open now (or none applies). */
function windowOpens(
  ctx: EngineContext,
  subject: Pick<QuietHoursSubject, 'to' | 'channel' | 'override'>,
  timeZone: string | null,
  now: number,
): number | null {
  const config = quietHoursFor(ctx, subject.channel, subject.override);
  if (!config) return null;
  const zone = recipientTimeZone(subject.to, timeZone, ctx.config.outbound.default_timezone);
  const opens = nextAllowed(now, parseWindow(config.allowed)!, zone);
  return opens <= now ? null : opens;
}

/** A moment in the spread after the window opens, so a night's held texts do not leave in one burst. */
function spread(ctx: EngineContext, opens: number): number {
  return opens + Math.floor(Math.random() * ctx.config.outbound.quiet_hours_spread);
}

async function wroteRecently(db: Kysely<Database>, ctx: EngineContext, conversationId: string, now: number): Promise<boolean> {
  const row = await db
    .selectFrom('messages')
    .select('id')
    .where('conversation_id', '=', conversationId)
    .where('created_at', '>=', now - ctx.config.outbound.live_conversation)
    .where('direction', '=', 'inbound')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
