import type { Store } from '../store/database.js';
import { precompile } from '../store/precompiled.js';

/**
 * When the earliest pending job due after `after` and no later than `until` is due, or null when
 * none is. A worker with nothing due sleeps until then instead of a whole poll interval, so that
 * jobs queued for a moment (a rate-limited sender's slots) start at that moment, not in bunches
 * at the next poll. Jobs already due but not claimable (behind their group, or of a kind at its
 * cap) are not counted: a finishing job wakes the worker for those, and counting them would make
 * it spin. The scan is of pending jobs only (the `state` prefix of the claim's index), the same
 * rows a claim that finds nothing due reads.
 */
export async function nextDueAt(store: Store, after: number, until: number): Promise<number | null> {
  const { rows } = await earliestPending(store.db, { after, until });
  const at = rows[0]?.at;
  return at === null || at === undefined ? null : Number(at);
}

const earliestPending = precompile(['after', 'until'], (db, p: { after: number; until: number }) =>
  db
    .selectFrom('jobs')
    .select((eb) => eb.fn.min('run_at').as('at'))
    .where('state', '=', 'pending')
    .where('run_at', '>', p.after)
    .where('run_at', '<=', p.until),
);
