import type { Kysely } from 'kysely';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';
import { precompile } from '../store/precompiled.js';

/**
 * When the earliest pending job due after `after` and no later than `until` is due, or null when
 * none is. A worker with nothing due sleeps until then instead of a whole poll interval, so that
 * jobs queued for a moment (a rate-limited sender's slots) start at that moment, not in bunches
 * at the next poll. Jobs already due but not claimable (behind their group, or of a kind at its
 * cap) are not counted: a finishing job wakes the worker for those, and counting them would make
 * it spin. It reads the `jobs_due` index (pending jobs by state and run_at) from `after` on: a few
 * entries, however many jobs are due or queued for later.
 */
export async function nextDueAt(store: Store, after: number, until: number): Promise<number | null> {
  const { rows } = await earliestPending(store.db, { after, until });
  const at = rows[0]?.at;
  return at === null || at === undefined ? null : Number(at);
}

/** The query of `nextDueAt`, built apart for its plan (queue/due-index.test.ts, the jobs-due bench). */
export function earliestPendingQuery(db: Kysely<Database>, p: { after: number; until: number }) {
  return db
    .selectFrom('jobs')
    .select((eb) => eb.fn.min('run_at').as('at'))
    .where('state', '=', 'pending')
    .where('run_at', '>', p.after)
    .where('run_at', '<=', p.until);
}

const earliestPending = precompile(['after', 'until'], earliestPendingQuery);
