import { sql, type Kysely } from 'kysely';
import { clockSpacings, clockSpans, isRateLimited, type Sender } from '../core/sender-rate.js';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';

// The slot clocks of a sender's rate limits (core/sender-rate.ts), in the database, so every
// instance draws from the same budget (the idea of webhooks/rate-limit.ts). `next_slot_at` is the
// earliest time a clock's next bulk text may go. A sending number has a clock (row `number`), a
// channel under `channel_rate_limit` has one (row `channelClock`), and, under a channel limit, a
// number also has a queue clock (row `queueClock(number)`) for texts whose turn on the number is
// later than the channel's next slot: they are queued for that time without taking the channel's,
// and take it when they come (see `Reservation`).
//
// A bulk text takes the latest of the clocks that apply (and now), and moves each on from there by
// its own spacing; a live reply goes at once and moves each clock on too, so it takes its place
// from the bulk traffic behind it instead of waiting behind that traffic; a provider's 429 moves
// the number's clock (only: the provider throttles the number) to the end of its Retry-After.
// Every reservation under a channel limit locks the channel's row first, so a channel's rows are
// written by one instance at a time and two never deadlock on PostgreSQL.

/** The `number` of a channel's own clock row in `sender_clocks`: no E.164 number looks like it. */
export const channelClock = '*';

/** The `number` of the row of a number's texts queued for the channel (not an E.164 number either). */
export function queueClock(number: string): string {
  return `${number}/queue`;
}

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

/** A number's turn further ahead of the channel's clock than this queues its text (see `Reservation`). */
const channelAheadMs = 50;

/**
 * Slots reserved for a sender's bulk texts, `senderSpacingMs` apart from `at`. `full` when they are
 * taken on every clock that applies. Otherwise (under a channel limit, when the number's turn is
 * later than the channel's next slot: its provider paused it, or it is slower than the channel, or
 * texts are queued on it already) they are queued on the number's queue clock only, and each text
 * takes its slots when its time comes (`reserveSenderSlot` with that time as `queuedAt`): a slot
 * far ahead on the channel's clock would leave the time before it unused by the channel's other
 * numbers, since a clock is a single time.
 */
export interface Reservation {
  at: number;
  full: boolean;
}

/**
 * Reserves `count` consecutive bulk slots in the caller's transaction (a broadcast's page,
 * committed with the sends that take them), or one for a text queued for `queuedAt`.
 */
export async function reserveSenderSlots(
  trx: Kysely<Database>,
  sender: Sender,
  count: number,
  now = Date.now(),
  queuedAt?: number,
): Promise<Reservation> {
  const { channel, number, rate } = sender;
  const spans = clockSpans(rate, count);
  if (rate.perChannel === undefined) return { at: await advanceClock(trx, channel, number, spans.number, now), full: true };
  const channelAt = Math.max(now, await lockClock(trx, channel, channelClock, now));
  const clocks = await numberClocks(trx, channel, number);
  // A queued text keeps its place; a new one goes behind those queued.
  const turn = Math.max(now, clocks.number, queuedAt ?? clocks.queue);
  const own = clockSpacings(rate);
  // A page from a number slower than the channel is queued whole: on the channel's clock it would
  // hold the gaps between its texts from the other numbers.
  const pageSlowerThanChannel = count > 1 && own.number > own.channel;
  if (turn > channelAt + channelAheadMs || (queuedAt === undefined && pageSlowerThanChannel)) {
    if (queuedAt === undefined) await moveClockTo(trx, channel, queueClock(number), turn + spans.number);
    return { at: turn, full: false };
  }
  const slot = Math.max(turn, channelAt);
  await trx
    .updateTable('sender_clocks')
    .set({ next_slot_at: slot + spans.channel })
    .where('channel', '=', channel)
    .where('number', '=', channelClock)
    .execute();
  await moveClockTo(trx, channel, number, slot + spans.number);
  return { at: slot, full: true };
}

/** Reserves the sender's next bulk slot (or, with `queuedAt`, the slots of a text queued for then). */
export function reserveSenderSlot(store: Store, sender: Sender, queuedAt?: number, now = Date.now()): Promise<Reservation> {
  return store.write((trx) => reserveSenderSlots(trx, sender, 1, now, queuedAt));
}

/** The number's clock and its queue clock (0 for one it has not). */
async function numberClocks(trx: Kysely<Database>, channel: string, number: string): Promise<{ number: number; queue: number }> {
  const rows = await trx
    .selectFrom('sender_clocks')
    .select(['number', 'next_slot_at'])
    .where('channel', '=', channel)
    .where('number', 'in', [number, queueClock(number)])
    .execute();
  const at = (key: string) => Number(rows.find((row) => row.number === key)?.next_slot_at ?? 0);
  return { number: at(number), queue: at(queueClock(number)) };
}

/** Moves the clock to `at` unless it is later already (a provider's pause may have moved it since it was read). */
async function moveClockTo(trx: Kysely<Database>, channel: string, number: string, at: number): Promise<void> {
  await trx
    .insertInto('sender_clocks')
    .values({ channel, number, next_slot_at: at })
    .onConflict((oc) =>
      oc.columns(['channel', 'number']).doUpdateSet({
        next_slot_at: sql<number>`case when sender_clocks.next_slot_at < ${at} then ${at} else sender_clocks.next_slot_at end`,
      }),
    )
    .execute();
}

/** When the sender's next bulk slot is: the later of its clocks (now when they have none ahead). */
export async function nextSenderSlot(db: Kysely<Database>, sender: Sender, now = Date.now()): Promise<number> {
  const rows = await db
    .selectFrom('sender_clocks')
    .select('next_slot_at')
    .where('channel', '=', sender.channel)
    .where(
      'number',
      'in',
      sender.rate.perChannel === undefined ? [sender.number] : [sender.number, queueClock(sender.number), channelClock],
    )
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
