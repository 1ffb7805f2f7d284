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
  const config = quietHoursFor(ctx, subject.channel, subject.override);
  if (!config) return null;
  const window = parseWindow(config.allowed)!;
  const contact = await db.selectFrom('contacts').select('timezone').where('phone', '=', subject.to).executeTakeFirst();
  const zone = recipientTimeZone(subject.to, contact?.timezone, ctx.config.outbound.default_timezone);
  const opens = nextAllowed(now, window, zone);
  if (opens <= now) return null;
  if (subject.bulk !== true && subject.conversationId !== null && (await wroteRecently(db, ctx, subject.conversationId, now))) return null;
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
