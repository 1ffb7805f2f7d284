import type { Channel } from '../runtime/channels.js';
import type { EngineContext } from '../runtime/context.js';
import { ParleyError } from '../errors.js';
import type { WebhookEvent } from '../providers/contract.js';
import { databaseUnreachable, SpoolFullError } from '../store/spool.js';
import { ingestInbound, ingestStatus, type RawWebhook } from './ingest.js';
import { ingestPart } from './multipart.js';

// A verified, parsed webhook on its way into the database: committed through ingest, or written to
// the local spool while PostgreSQL is unreachable or slow. The webhook route and the replay of a
// kept unreadable webhook both come through here.

/** Stores what a webhook says (or spools it), as the webhook route and the replay of a kept webhook do. */
export async function storeWebhookEvent(
  ctx: EngineContext,
  channel: Channel,
  event: WebhookEvent,
  raw: RawWebhook,
  parleyId: string | null,
): Promise<Record<string, unknown>> {
  if (event.kind === 'ignored') return { ignored: event.reason };
  const spooled = ctx.spool;
  // While anything waits in the spool, new webhooks queue behind it: they reach the database in
  // the order they came. Too many commits already waiting on the database: the same.
  if (spooled && (spooled.pending() || writesInFlight >= ctx.config.spool.max_in_flight)) return spool(ctx, channel, event, raw, parleyId);

  const write = ingest(ctx, channel, event, raw, parleyId);
  if (!spooled) return write;
  writesInFlight += 1;
  void write.then(
    () => (writesInFlight -= 1),
    () => (writesInFlight -= 1),
  );
  try {
    // A database too slow to commit in time (a lock, an overload) is treated like an absent one:
    // the webhook is spooled and acknowledged; if the commit lands later too, the drain's copy is
    // a duplicate and changes nothing.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof slow>((resolve) => (timer = setTimeout(() => resolve(slow), ctx.config.spool.after)));
    const outcome = await Promise.race([write, late]).finally(() => clearTimeout(timer));
    if (typeof outcome !== 'symbol') return outcome;
    write.catch(() => {});
    ctx.log.warn({ channel: channel.name, after_ms: ctx.config.spool.after }, 'database slow to commit: webhook kept in the local spool');
    return spool(ctx, channel, event, raw, parleyId);
  } catch (error) {
    if (databaseUnreachable(error)) {
      ctx.log.warn({ err: error }, 'database unreachable: webhook kept in the local spool');
      return spool(ctx, channel, event, raw, parleyId);
    }
    throw error;
  }
}

/** Ingest commits waiting on the database in this process (bounded by spool.max_in_flight). */
let writesInFlight = 0;
const slow: unique symbol = Symbol('slow');

async function ingest(
  ctx: EngineContext,
  channel: Channel,
  event: Exclude<WebhookEvent, { kind: 'ignored' }>,
  raw: RawWebhook,
  parleyId: string | null,
): Promise<Record<string, unknown>> {
  if (event.kind === 'inbound') {
    const { part } = event.message;
    const result = part
      ? await ingestPart(ctx, channel.name, event.message, part, raw)
      : await ingestInbound(ctx, channel.name, event.message, raw);
    return { message_id: result.id, duplicate: result.duplicate };
  }
  const result = await ingestStatus(ctx, channel.name, event.receipt, raw, parleyId);
  return { duplicate: result.duplicate };
}

async function spool(
  ctx: EngineContext,
  channel: Channel,
  event: Exclude<WebhookEvent, { kind: 'ignored' }>,
  raw: RawWebhook,
  parleyId: string | null,
): Promise<Record<string, unknown>> {
  // base64: the exact bytes survive the JSON line, whatever they are.
  const rawBody = raw.body.toString('base64');
  try {
    await ctx.spool!.write(
      event.kind === 'inbound'
        ? { kind: 'inbound', channel: channel.name, message: event.message, contentType: raw.contentType, rawBody, request: raw.request }
        : {
            kind: 'status',
            channel: channel.name,
            receipt: event.receipt,
            parleyId,
            contentType: raw.contentType,
            rawBody,
            request: raw.request,
          },
    );
  } catch (error) {
    if (error instanceof SpoolFullError)
      throw new ParleyError('unavailable', 'Parley cannot store webhooks right now; send it again later.');
    throw error;
  }
  return { spooled: true, duplicate: false };
}

/** Parley's id for the message a receipt is about: from the callback URL Parley gave out, else as the provider echoed it. */
export function parleyIdOf(fromUrl: unknown, event: WebhookEvent): string | null {
  const value = fromUrl ?? (event.kind === 'status' ? event.receipt.parleyMessageId : undefined);
  return typeof value === 'string' && /^msg_[0-9A-Za-z]{1,40}$/.test(value) ? value : null;
}
