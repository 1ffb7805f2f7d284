import type { Kysely } from 'kysely';
import type { ChannelDirectory } from '../runtime/channels.js';
import type { BroadcastRow, Database } from '../store/schema.js';

// Whether a sending broadcast is stuck, and why, for whoever watches it (GET /v1/broadcasts/:id):
// without it a broadcast whose channel was removed from parley.yaml, or whose number the provider
// keeps answering with 429, just looks slow. The decision (`stallOf`) is pure; `broadcastStall`
// gathers its facts, reading the broadcast's progress only when a cause is present.

export type StallReason =
  /** The broadcast's channel is no longer in the configuration: nothing is dispatched or sent until it is back. */
  | 'channel_not_configured'
  /** The provider asked the sending number to pause (429, Retry-After) and no text has gone for a while. */
  | 'sender_held';

export interface Stall {
  reason: StallReason;
  /** When the broadcast last moved (a text made or handed to the provider; else when it began sending). */
  since: number;
}

export interface StallFacts {
  state: BroadcastRow['state'];
  channelConfigured: boolean;
  /** Until when the provider holds the sending number, or null when it never did. */
  heldUntil: number | null;
  /** When the broadcast last moved: see `Stall.since`. */
  lastProgressAt: number;
}

/**
 * A provider's hold shorter than this is ordinary pacing (a Retry-After of a second or two), not a
 * stall. A hold that ended less than this ago still counts: the texts it delayed may not have been
 * tried again yet, and a provider that keeps refusing sets the next hold only when they are.
 */
export const heldGraceMs = 30_000;

/** The stall of a broadcast at `now`, or null when it is not sending or is moving. */
export function stallOf(facts: StallFacts, now: number): Stall | null {
  if (facts.state !== 'sending') return null;
  if (!facts.channelConfigured) return { reason: 'channel_not_configured', since: facts.lastProgressAt };
  const { heldUntil, lastProgressAt } = facts;
  // Held now or a moment ago, and nothing has moved for the grace period (so not since the hold, either).
  const heldLately = heldUntil !== null && heldUntil >= now - heldGraceMs;
  if (heldLately && now - lastProgressAt >= heldGraceMs) return { reason: 'sender_held', since: lastProgressAt };
  return null;
}

/** The broadcast's stall now, read from the configuration and the database. */
export async function broadcastStall(
  db: Kysely<Database>,
  channels: ChannelDirectory,
  broadcast: BroadcastRow,
  now = Date.now(),
): Promise<Stall | null> {
  if (broadcast.state !== 'sending') return null;
  const channel = channels.get(broadcast.channel);
  let heldUntil: number | null = null;
  if (channel) {
    // The number the dispatch sends from (broadcasts/run.ts).
    const clock = await db
      .selectFrom('sender_clocks')
      .select('held_until')
      .where('channel', '=', channel.name)
      .where('number', '=', channel.config.numbers[0]!)
      .executeTakeFirst();
    heldUntil = clock?.held_until === null || clock?.held_until === undefined ? null : Number(clock.held_until);
    // Not held: moving, or waiting for its slots; no need to read how far it got.
    if (heldUntil === null || heldUntil < now - heldGraceMs) return null;
  }
  const lastProgressAt = await lastProgress(db, broadcast);
  return stallOf({ state: broadcast.state, channelConfigured: channel !== undefined, heldUntil, lastProgressAt }, now);
}

/** The latest of: its start of sending, its newest text, and the last provider call that took one of its texts. */
async function lastProgress(db: Kysely<Database>, broadcast: BroadcastRow): Promise<number> {
  const row = await db
    .selectFrom('messages as m')
    .select([
      (eb) => eb.fn.max('m.created_at').as('made'),
      (eb) =>
        eb
          .selectFrom('send_attempts as a')
          .innerJoin('messages as s', 's.id', 'a.message_id')
          .select((inner) => inner.fn.max('a.started_at').as('at'))
          .where('s.broadcast_id', '=', broadcast.id)
          .where('a.outcome', '=', 'accepted')
          .as('sent'),
    ])
    .where('m.broadcast_id', '=', broadcast.id)
    .executeTakeFirst();
  const began = broadcast.filled_at ?? broadcast.started_at ?? broadcast.created_at;
  return Math.max(Number(began), Number(row?.made ?? 0), Number(row?.sent ?? 0));
}
