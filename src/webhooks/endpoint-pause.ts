import type { Kysely } from 'kysely';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';

// A circuit breaker per endpoint. When an endpoint cannot be reached — an attempt timed out, the
// connection failed, or it answered 429/503 — every other pending delivery to it would otherwise
// make its own attempt and wait out the same timeout, holding worker slots that healthy endpoints
// need. So the endpoint is paused: deliveries that come due meanwhile are put back to after the
// pause without spending an attempt, and when the pause ends one delivery at a time goes out as a
// probe. The probe's success lifts the pause; its failure renews it. A failure that is the
// delivery's own (a 500 or 400 for one payload) pauses nothing, so one bad event cannot hold up the
// rest. The pause never outlasts `maxPauseMs`, so a dead endpoint is probed at least that often.

export const maxPauseMs = 60_000;

/** Whether an attempt's outcome says the endpoint is unreachable, rather than refusing this one delivery. */
export function pausesEndpoint(status: number | null): boolean {
  return status === null || status === 429 || status === 503;
}

/** `go`: attempt now, `pausedUntil` being the endpoint's pause as it now stands (the probe's, if this is one). */
export type PauseVerdict = { go: true; pausedUntil: number | null } | { go: false; until: number };

/**
 * Whether a delivery may be attempted now. With the endpoint paused, no; with a pause just over,
 * only the one caller that takes the probe (the pause is moved past its attempt, so concurrent
 * callers, in this process or another, wait for its outcome).
 */
export async function mayAttempt(
  store: Store,
  endpointId: string,
  pausedUntil: number | null,
  probeMs: number,
  now = Date.now(),
): Promise<PauseVerdict> {
  if (pausedUntil === null) return { go: true, pausedUntil: null };
  if (pausedUntil > now) return { go: false, until: pausedUntil };
  const probeUntil = now + probeMs;
  const taken = await store.write((trx) =>
    trx
      .updateTable('endpoints')
      .set({ paused_until: probeUntil })
      .where('id', '=', endpointId)
      .where('paused_until', '=', pausedUntil)
      .executeTakeFirst(),
  );
  return taken.numUpdatedRows > 0n ? { go: true, pausedUntil: probeUntil } : { go: false, until: probeUntil };
}

/**
 * Records an attempt's bearing on the pause, in the attempt's transaction: paused for the
 * delivery's own wait (at most `maxPauseMs`) when the endpoint was unreachable, lifted otherwise.
 * A healthy endpoint's attempts write nothing here.
 */
export async function updatePause(
  trx: Kysely<Database>,
  endpointId: string,
  pausedUntil: number | null,
  outcome: { delivered: boolean; status: number | null; waitMs: number },
  now: number,
): Promise<void> {
  const until = !outcome.delivered && pausesEndpoint(outcome.status) ? now + Math.min(Math.max(outcome.waitMs, 1), maxPauseMs) : null;
  if (until === null && pausedUntil === null) return;
  await trx.updateTable('endpoints').set({ paused_until: until }).where('id', '=', endpointId).execute();
}

/**
 * When a delivery that found its endpoint paused comes back: spread over a pause's length after it
 * ends, so that a backlog does not wake all at once.
 */
export function deferredRunAt(until: number, now: number): number {
  const spread = Math.min(Math.max(until - now, 100), maxPauseMs);
  return until + Math.floor(Math.random() * spread);
}
