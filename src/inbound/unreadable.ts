import type { Selectable } from 'kysely';
import { storableText } from '../core/text.js';
import type { Channel } from '../runtime/channels.js';
import type { EngineContext } from '../runtime/context.js';
import type { ErrorCode, ParleyError } from '../errors.js';
import type { WebhookPath, WebhookRequest } from '../providers/contract.js';
import type { UnreadableWebhooksTable } from '../store/schema.js';

// A webhook that passed the provider's signature check is the provider speaking, even when Parley
// cannot read it: a field renamed, a new variant, a format the adapter has not met. Answering 4xx
// alone would lose it for good with most providers (they do not retry a 4xx), and with it maybe a
// STOP. So it is kept, raw, and the operator replays it once Parley reads the format. Requests that
// fail the signature check are never kept: anyone can send those.

/** The parse errors that mean "could not read", as opposed to refusing the sender. */
const unreadableCodes: ReadonlySet<ErrorCode> = new Set([
  'invalid_json',
  'invalid_payload',
  'unsupported_media_type',
  'invalid_phone_number',
]);

/** Beyond this many, new unreadable webhooks are refused without being kept: a bound on the table. */
export const maxUnreadableKept = 10_000;

export type UnreadableWebhookRow = Selectable<UnreadableWebhooksTable>;

export function isUnreadable(error: ParleyError): boolean {
  return unreadableCodes.has(error.code);
}

/** Keeps a verified webhook that `error` says could not be read; returns its id, or null when the table is full. */
export async function keepUnreadable(
  ctx: EngineContext,
  channel: Channel,
  path: WebhookPath,
  webhook: WebhookRequest,
  error: ParleyError,
): Promise<number | null> {
  return ctx.store.write(async (trx) => {
    const { n } = await trx
      .selectFrom('unreadable_webhooks')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(n) >= maxUnreadableKept) return null;
    const row = await trx
      .insertInto('unreadable_webhooks')
      .values({
        channel: channel.name,
        path,
        method: webhook.method,
        url: withoutParams(webhook.url, Object.keys(channel.adapter.webhookUrlParams?.(channel.config) ?? {})),
        content_type: webhook.contentType,
        body: storableText(webhook.rawBody),
        raw_body: webhook.rawBody,
        error_code: error.code,
        error_message: error.message.slice(0, 1000),
        received_at: webhook.receivedAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  });
}

/** The kept webhook as the adapter reads it. Its signature was checked when it came; it is not checked again. */
export function replayRequest(row: UnreadableWebhookRow): WebhookRequest {
  return {
    method: row.method,
    url: row.url,
    publicUrl: row.url,
    headers: row.content_type === null ? {} : { 'content-type': row.content_type },
    // Rows kept before the exact bytes were: their text copy is all there is.
    rawBody: row.raw_body ? Buffer.from(row.raw_body) : Buffer.from(row.body, 'utf8'),
    contentType: row.content_type,
    receivedAt: row.received_at,
  };
}

/** `url` (a path with a query) without the named query parameters. */
function withoutParams(url: string, names: readonly string[]): string {
  const at = url.indexOf('?');
  if (at === -1 || names.length === 0) return url;
  const params = new URLSearchParams(url.slice(at + 1));
  for (const name of names) params.delete(name);
  const query = params.toString();
  return query ? `${url.slice(0, at)}?${query}` : url.slice(0, at);
}
