import { sql, type Kysely } from 'kysely';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';

// One slot clock per sending number, in the database, so every instance draws from the same budget
// (the idea of webhooks/rate-limit.ts). `next_slot_at` is the earliest time the number's next bulk
// text may go. A bulk text takes the slot and moves the clock on by one spacing; a live reply goes
// at once and moves the clock on too, so it takes its place from the bulk traffic behind it instead
// of waiting behind that traffic; a provider's 429 moves the clock to the end of its Retry-After.

export function spacingMs(perSecond: number): number {
  return Math.max(1, Math.round(1000 / perSecond));
}

/** Moves the clock to `max(clock, now) + spacing` and returns the slot taken: `max(clock, now)`. */
async function advance(store: Store, channel: string, number: string, spacing: number, now: number): Promise<number> {
  return store.write((trx) => advanceIn(trx, channel, number, spacing, now));
}

/** `advance` in the caller's transaction, by any span (several slots at once). */
async function advanceIn(trx: Kysely<Database>, channel: string, number: string, span: number, now: number): Promise<number> {
  const row = await trx
    .insertInto('sender_clocks')
    .values({ channel, number, next_slot_at: now + span })
    .onConflict((oc) =>
      oc.columns(['channel', 'number']).doUpdateSet({
        next_slot_at: sql<number>`(case when sender_clocks.next_slot_at < ${now} then ${now} else sender_clocks.next_slot_at end) + ${span}`,
      }),
    )
    .returning('next_slot_at')
    .executeTakeFirstOrThrow();
  return Number(row.next_slot_at) - span;
}

/**
 * Reserves `count` consecutive bulk slots in the caller's transaction (a broadcast's page, committed
 * with the sends that take them) and returns the first; the others follow one spacing apart.
 */
export function reserveSenderSlots(
  trx: Kysely<Database>,
  channel: string,
  number: string,
  perSecond: number,
  count: number,
  now = Date.now(),
): Promise<number> {
  return advanceIn(trx, channel, number, spacingMs(perSecond) * count, now);
}

/** When the number's next bulk slot is (now when it has none ahead). */
export async function nextSenderSlot(db: Kysely<Database>, channel: string, number: string, now = Date.now()): Promise<number> {
  const row = await db
    .selectFrom('sender_clocks')
    .select('next_slot_at')
    .where('channel', '=', channel)
    .where('number', '=', number)
    .executeTakeFirst();
  return Math.max(now, row === undefined ? now : Number(row.next_slot_at));
}

/** Reserves the number's next bulk slot under `perSecond` and returns when it is. */
export function reserveSenderSlot(store: Store, channel: string, number: string, perSecond: number, now = Date.now()): Promise<number> {
  return advance(store, channel, number, spacingMs(perSecond), now);
}

/** A live reply goes now; it counts against the rate by pushing the bulk traffic one spacing back. */
export async function takeLiveSlot(store: Store, channel: string, number: string, perSecond: number, now = Date.now()): Promise<void> {
  await advance(store, channel, number, spacingMs(perSecond), now);
}

/** The provider asked the number to slow down: no bulk text from it before `until`. */
export async function holdSender(store: Store, channel: string, number: string, until: number): Promise<void> {
  await store.write((trx) =>
    trx
      .insertInto('sender_clocks')
      .values({ channel, number, next_slot_at: until, held_until: until })
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
export async function senderHeld(store: Store, channel: string, number: string, now = Date.now()): Promise<boolean> {
  const row = await store.db
    .selectFrom('sender_clocks')
    .select('held_until')
    .where('channel', '=', channel)
    .where('number', '=', number)
    .executeTakeFirst();
  return row?.held_until !== null && row?.held_until !== undefined && Number(row.held_until) > now;
}
