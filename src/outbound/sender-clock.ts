import { sql, type Kysely } from 'kysely';
import { clockSpacings, clockSpans, isRateLimited, spacingMs, type Sender } from '../core/sender-rate.js';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';

// The slot clocks of a sender's rate limits (core/sender-rate.ts), in the database, so every
// instance draws from the same budget (the idea of webhooks/rate-limit.ts): one row per sending
// number, and one per channel under the number `channelClock`. `next_slot_at` is the earliest time
// the clock's next bulk text may go. A bulk text takes the later of the clocks that apply (and
// now), and moves each on from there by its own spacing; a live reply goes at once and moves each
// clock on too, so it takes its place from the bulk traffic behind it instead of waiting behind
// that traffic; a provider's 429 moves the number's clock (only: the provider throttles the
// number) to the end of its Retry-After.

/** The `number` of a channel's own clock row in `sender_clocks`: no E.164 number looks like it. */
export const channelClock = '*';

/**
 * Locks the clock's row (created at `now` if it has none) and returns its time. An upsert that
 * changes nothing still takes the row lock on PostgreSQL, which a plain SELECT does not.
 */
async function lockClock(trx: Kysely<Database>, channel: string, number: string, now: number): Promise<number> {
  const row = await trx
    .insertInto('sender_clocks')
    .values({ channel, number, next_slot_at: now })
    .onConflict((oc) => oc.columns(['channel', 'number']).doUpdateSet({ next_slot_at: sql<number>`sender_clocks.next_slot_at` }))
    .returning('next_slot_at')
    .executeTakeFirstOrThrow();
  return Number(row.next_slot_at);
}

/** Moves the clock to `max(clock, from) + span` and returns the slot taken: `max(clock, from)`. */
async function advanceClock(trx: Kysely<Database>, channel: string, number: string, span: number, from: number): Promise<number> {
  const row = await trx
    .insertInto('sender_clocks')
    .values({ channel, number, next_slot_at: from + span })
    .onConflict((oc) =>
      oc.columns(['channel', 'number']).doUpdateSet({
        next_slot_at: sql<number>`(case when sender_clocks.next_slot_at < ${from} then ${from} else sender_clocks.next_slot_at end) + ${span}`,
      }),
    )
    .returning('next_slot_at')
    .executeTakeFirstOrThrow();
  return Number(row.next_slot_at) - span;
}

/** A number's clock further ahead of the channel's than this gives a slot on the number's clock only (see `Reservation`). */
const channelAheadMs = 50;

/**
 * Slots reserved for a sender's bulk texts, `senderSpacingMs` apart from `at`. `full` when they are
 * taken on every clock that applies. Otherwise (under a channel limit, when the number's own clock
 * is the later one: it is paused by its provider, or slower than the channel) they are taken on
 * the number's clock only, and each text takes its channel slot when its time comes
 * (`reserveSenderSlot` with the `ticket`): a slot far ahead on the channel's clock would leave the
 * time before it unused by the channel's other numbers, since a clock is a single time.
 */
export interface Reservation {
  at: number;
  full: boolean;
}

/**
 * Reserves `count` consecutive bulk slots in the caller's transaction (a broadcast's page,
 * committed with the sends that take them). Under a channel limit the channel's row is locked
 * before the number's, always in that order, so two instances reserving for the same channel never
 * deadlock on PostgreSQL; the slot is the latest of both clocks and now, and each clock moves on
 * from it by its span (core/sender-rate.ts).
 */
export async function reserveSenderSlots(trx: Kysely<Database>, sender: Sender, count: number, now = Date.now()): Promise<Reservation> {
  const spans = clockSpans(sender.rate, count);
  if (sender.rate.perChannel === undefined)
    return { at: await advanceClock(trx, sender.channel, sender.number, spans.number, now), full: true };
  const channelAt = Math.max(now, await lockClock(trx, sender.channel, channelClock, now));
  const slot = await advanceClock(trx, sender.channel, sender.number, spans.number, channelAt);
  const own = clockSpacings(sender.rate);
  if (slot > channelAt + channelAheadMs || (count > 1 && own.number > own.channel)) return { at: slot, full: false };
  await setClock(trx, sender.channel, channelClock, slot + spans.channel);
  return { at: slot, full: true };
}

/**
 * Reserves the sender's next bulk slot and returns it: with a `ticket` (a slot already taken on
 * the number's clock, now due), its slot on the channel's clock, no earlier than the ticket.
 */
export function reserveSenderSlot(store: Store, sender: Sender, ticket?: number, now = Date.now()): Promise<Reservation> {
  if (ticket === undefined || sender.rate.perChannel === undefined) return store.write((trx) => reserveSenderSlots(trx, sender, 1, now));
  const perChannel = sender.rate.perChannel;
  return store.write(async (trx) => {
    const slot = Math.max(now, ticket, await lockClock(trx, sender.channel, channelClock, now));
    await setClock(trx, sender.channel, channelClock, slot + spacingMs(perChannel));
    // Held back by the channel: the number's next texts keep their spacing after this one.
    const spacing = clockSpacings(sender.rate).number;
    if (slot > ticket && spacing > 0) await pushClock(trx, sender.channel, sender.number, slot + spacing);
    return { at: slot, full: true };
  });
}

async function setClock(trx: Kysely<Database>, channel: string, number: string, at: number): Promise<void> {
  await trx.updateTable('sender_clocks').set({ next_slot_at: at }).where('channel', '=', channel).where('number', '=', number).execute();
}

/** Moves the clock to `at` unless it is later already. */
async function pushClock(trx: Kysely<Database>, channel: string, number: string, at: number): Promise<void> {
  await trx
    .updateTable('sender_clocks')
    .set({ next_slot_at: sql<number>`case when next_slot_at < ${at} then ${at} else next_slot_at end` })
    .where('channel', '=', channel)
    .where('number', '=', number)
    .execute();
}

/** When the sender's next bulk slot is: the later of its clocks (now when they have none ahead). */
export async function nextSenderSlot(db: Kysely<Database>, sender: Sender, now = Date.now()): Promise<number> {
  const rows = await db
    .selectFrom('sender_clocks')
    .select('next_slot_at')
    .where('channel', '=', sender.channel)
    .where('number', 'in', sender.rate.perChannel === undefined ? [sender.number] : [sender.number, channelClock])
    .execute();
  return Math.max(now, ...rows.map((row) => Number(row.next_slot_at)));
}

/** A live reply goes now; it counts against each limit by pushing that clock's bulk traffic one spacing back. */
export async function takeLiveSlot(store: Store, sender: Sender, now = Date.now()): Promise<void> {
  if (!isRateLimited(sender.rate)) return;
  const spacing = clockSpacings(sender.rate);
  await store.write(async (trx) => {
    // The channel's row first, as in reserveSenderSlots.
    if (sender.rate.perChannel !== undefined) await advanceClock(trx, sender.channel, channelClock, spacing.channel, now);
    if (sender.rate.perNumber !== undefined) await advanceClock(trx, sender.channel, sender.number, spacing.number, now);
  });
}

/** The provider asked the number to slow down: no bulk text from it before `until`. The channel's other numbers go on. */
export async function holdSender(store: Store, sender: Sender, until: number): Promise<void> {
  await store.write((trx) =>
    trx
      .insertInto('sender_clocks')
      .values({ channel: sender.channel, number: sender.number, next_slot_at: until, held_until: until })
      .onConflict((oc) =>
        oc.columns(['channel', 'number']).doUpdateSet({
          next_slot_at: sql<number>`case when sender_clocks.next_slot_at < ${until} then ${until} else sender_clocks.next_slot_at end`,
          held_until: until,
        }),
      )
      .execute(),
  );
}

/** Whether the provider's pause for this number is still on: a slot reserved before it must be taken again. */
export async function senderHeld(store: Store, sender: Sender, now = Date.now()): Promise<boolean> {
  const row = await store.db
    .selectFrom('sender_clocks')
    .select('held_until')
    .where('channel', '=', sender.channel)
    .where('number', '=', sender.number)
    .executeTakeFirst();
  return row?.held_until !== null && row?.held_until !== undefined && Number(row.held_until) > now;
}
