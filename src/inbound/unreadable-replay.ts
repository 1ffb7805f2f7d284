import type { Kysely } from 'kysely';
import { webhookRecord } from '../core/webhook-record.js';
import { ParleyError } from '../errors.js';
import { parleyIdParam } from '../providers/contract.js';
import { parseWebhook } from '../providers/webhook-body.js';
import type { EngineContext } from '../runtime/context.js';
import type { Database } from '../store/schema.js';
import { replayRequest, type UnreadableWebhookRow } from './unreadable.js';
import { parleyIdOf, storeWebhookEvent } from './webhook-event.js';

// What an operator does with a kept unreadable webhook (unreadable.ts), through the API or the
// console: read it again once Parley reads its format, or throw it away.

/** The kept webhook with this id (as the URL gives it), or null. */
export async function findUnreadable(db: Kysely<Database>, rawId: string): Promise<UnreadableWebhookRow | null> {
  const id = Number(rawId);
  if (!/^\d{1,15}$/.test(rawId) || !Number.isSafeInteger(id)) return null;
  return (await db.selectFrom('unreadable_webhooks').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/**
 * Reads a kept webhook again and stores what it says exactly as the webhook route would have
 * (duplicates and the spool included), then removes it. Still unreadable: the parse error is
 * thrown and the webhook stays kept. `alongside` runs in the removal's transaction (the console's
 * audit entry), told what the webhook turned out to be.
 */
export async function replayUnreadable(
  ctx: EngineContext,
  row: UnreadableWebhookRow,
  alongside?: (trx: Kysely<Database>, replayed: { kind: string }) => Promise<void>,
): Promise<{ kind: string } & Record<string, unknown>> {
  const channel = ctx.channels.get(row.channel);
  if (!channel) throw new ParleyError('channel_unavailable', `Channel "${row.channel}" is no longer configured.`);
  const webhook = replayRequest(row);
  const event = parseWebhook(channel.adapter, webhook, channel.config, row.path);
  const fromUrl = new URLSearchParams(row.url.split('?')[1] ?? '').get(parleyIdParam) ?? undefined;
  const stored = await storeWebhookEvent(
    ctx,
    channel,
    event,
    {
      contentType: webhook.contentType,
      body: webhook.rawBody,
      // Its signature was checked when it came; only its content type was kept then.
      request: {
        ...webhookRecord(webhook, channel.config.provider, {
          scheme: channel.adapter.signature,
          mode: channel.config.verify,
          verified: true,
        }),
        replayed_at: Date.now(),
      },
    },
    parleyIdOf(fromUrl, event),
  );
  await ctx.store.write(async (trx) => {
    await discardUnreadable(trx, row.id);
    await alongside?.(trx, { kind: event.kind });
  });
  return { kind: event.kind, ...stored };
}

/** Removes a kept webhook; false when it was already gone. */
export async function discardUnreadable(trx: Kysely<Database>, id: number): Promise<boolean> {
  const result = await trx.deleteFrom('unreadable_webhooks').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
