import type { Kysely, Selectable } from 'kysely';
import { storableText } from '../core/text.js';
import type { InboundMessage, MessagePart } from '../providers/contract.js';
import { enqueue } from '../queue/enqueue.js';
import type { JobHandler } from '../queue/worker.js';
import type { Database, InboundPartSetsTable } from '../store/schema.js';
import type { EngineContext } from '../runtime/context.js';
import { insertInboundBatch, insertWebhookReceipt, requestText, type IngestResult, type RawWebhook } from './ingest.js';

// Some providers (Vonage's SMS API) deliver a long inbound message as separate webhooks, one per
// part, in any order and sometimes twice. Parts wait here until all have arrived; then the whole
// message is stored and routed like any other. A part that never comes does not hold the rest
// forever: after `assembleAfterMs` whatever arrived is routed.

/** How long the first part waits for the others before the message is routed incomplete. */
export const assembleAfterMs = 10 * 60_000;
/** How long parts stay after assembly, so a provider's late retry of one is known as a duplicate. */
const keepAssembledMs = 24 * 3_600_000;
/**
 * The longest joined message, in characters. A concatenated SMS has at most 255 parts (its header
 * counts them in one byte, and adapters refuse more) of 153 characters: 39,015. Anything longer
 * was not typed on a phone; the joined text is cut here (the rest is dropped, with a warning), so
 * parts cannot add up to a message of many megabytes. Each part is stored cut to the same length,
 * since no part can contribute more.
 */
export const maxJoinedChars = 40_000;

type PartSet = Pick<Selectable<InboundPartSetsTable>, 'channel' | 'from_number' | 'reference' | 'total' | 'message_id'>;

/**
 * Stores one part in one commit (acknowledging it only once durable); the part that completes a
 * message also stores and queues the message. The set's row is written first, which on PostgreSQL
 * locks it, so two parts arriving at once on two instances cannot both miss completing it.
 */
export async function ingestPart(
  ctx: EngineContext,
  channel: string,
  message: InboundMessage,
  part: MessagePart,
  raw: RawWebhook,
): Promise<IngestResult> {
  const result = await ctx.store.write(async (trx) => {
    const now = Date.now();
    const set = await trx
      .insertInto('inbound_part_sets')
      .values({ channel, from_number: message.from, reference: part.reference, total: part.total, message_id: null, first_seen_at: now })
      .onConflict((oc) => oc.columns(['channel', 'from_number', 'reference']).doUpdateSet((eb) => ({ total: eb.ref('excluded.total') })))
      .returning(['channel', 'from_number', 'reference', 'total', 'message_id', 'first_seen_at'])
      .executeTakeFirstOrThrow();

    const existing = await trx
      .selectFrom('inbound_parts')
      .select('provider_message_id')
      .where((eb) => eb.and(keyOf(set)))
      .where('part_index', '=', part.index)
      .executeTakeFirst();
    if (existing?.provider_message_id === message.providerMessageId) return { id: set.message_id ?? '', duplicate: true };
    if (existing || set.message_id !== null) {
      if (set.message_id !== null) {
        // The reference was reused for a new message (references are small numbers that wrap).
        await trx
          .deleteFrom('inbound_parts')
          .where((eb) => eb.and(keyOf(set)))
          .execute();
        await trx
          .updateTable('inbound_part_sets')
          .set({ message_id: null, first_seen_at: now })
          .where((eb) => eb.and(keyOf(set)))
          .execute();
        set.message_id = null;
      } else {
        await trx
          .deleteFrom('inbound_parts')
          .where((eb) => eb.and(keyOf(set)))
          .where('part_index', '=', part.index)
          .execute();
      }
    }

    const startsSet = (await countParts(trx, set)) === 0;
    await trx
      .insertInto('inbound_parts')
      .values({
        channel,
        from_number: message.from,
        reference: part.reference,
        part_index: part.index,
        to_number: message.to,
        body: cutAt(message.body, maxJoinedChars),
        media_urls: JSON.stringify(message.mediaUrls),
        provider_message_id: message.providerMessageId,
        provider_time: message.providerTime,
        received_at: now,
      })
      .execute();
    await insertWebhookReceipt(trx, {
      channel,
      kind: 'inbound',
      message_id: null,
      content_type: raw.contentType,
      body: storableText(raw.body),
      raw_body: raw.body,
      request: requestText(raw),
      now,
    });

    if ((await countParts(trx, set)) >= set.total) return { id: await assemble(trx, ctx, set), duplicate: false };
    if (startsSet) {
      // No group key: a timer in the contact's group would hold every later message of theirs.
      await enqueue(
        trx,
        'inbound.assemble',
        { channel, from: message.from, reference: part.reference },
        { now, runAt: now + assembleAfterMs, maxAttempts: ctx.config.queue.max_attempts },
      );
    }
    return { id: '', duplicate: false };
  });
  ctx.jobsQueued();
  return result;
}

/** Routes a message whose last part never came, with the parts that did. */
export function assembleHandler(ctx: EngineContext): JobHandler<'inbound.assemble'> {
  return async (job, { finish, log }) => {
    await finish(async (trx) => {
      const set = await trx
        .selectFrom('inbound_part_sets')
        .select(['channel', 'from_number', 'reference', 'total', 'message_id'])
        .where('channel', '=', job.payload.channel)
        .where('from_number', '=', job.payload.from)
        .where('reference', '=', job.payload.reference)
        .executeTakeFirst();
      if (!set || set.message_id !== null || (await countParts(trx, set)) === 0) return;
      log.warn(
        { channel: set.channel, reference: set.reference, total: set.total },
        'multipart message incomplete after waiting; routing the parts that arrived',
      );
      await assemble(trx, ctx, set);
    });
  };
}

async function assemble(trx: Kysely<Database>, ctx: EngineContext, set: PartSet): Promise<string> {
  const parts = await trx
    .selectFrom('inbound_parts')
    .selectAll()
    .where((eb) => eb.and(keyOf(set)))
    .orderBy('part_index')
    .execute();
  const first = parts[0]!;
  const joined = parts.map((p) => p.body).join('');
  if (joined.length > maxJoinedChars) {
    ctx.log.warn(
      { channel: set.channel, reference: set.reference, parts: parts.length, chars: joined.length, kept: maxJoinedChars },
      'multipart message longer than any SMS; routing its first characters only',
    );
  }
  const message: InboundMessage = {
    from: set.from_number,
    to: first.to_number,
    body: cutAt(joined, maxJoinedChars),
    mediaUrls: parts.flatMap((p) => JSON.parse(p.media_urls) as string[]),
    // The first part's id is the provider's own and unique; the message is stored under it.
    providerMessageId: first.provider_message_id,
    providerTime: first.provider_time,
  };
  const [stored] = await insertInboundBatch(trx, ctx, [{ channel: set.channel, message, raw: null }]);
  await trx
    .updateTable('inbound_part_sets')
    .set({ message_id: stored!.id })
    .where((eb) => eb.and(keyOf(set)))
    .execute();
  const now = Date.now();
  await trx
    .deleteFrom('inbound_parts')
    .where('received_at', '<', now - keepAssembledMs)
    .execute();
  await trx
    .deleteFrom('inbound_part_sets')
    .where('message_id', 'is not', null)
    .where('first_seen_at', '<', now - keepAssembledMs)
    .execute();
  return stored!.id;
}

/** The columns that name a set, for `where((eb) => eb.and(keyOf(set)))` on either table. */
function keyOf(set: PartSet): { channel: string; from_number: string; reference: string } {
  return { channel: set.channel, from_number: set.from_number, reference: set.reference };
}

async function countParts(trx: Kysely<Database>, set: PartSet): Promise<number> {
  const row = await trx
    .selectFrom('inbound_parts')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where((eb) => eb.and(keyOf(set)))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The first `limit` characters of `text`, not splitting a character written as two UTF-16 units. */
function cutAt(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const high = text.charCodeAt(limit - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? limit - 1 : limit);
}
