import { sql } from 'kysely';
import type { Store } from '../store/database.js';
import type { Job, JobKind } from './job-kinds.js';

export interface ClaimOptions {
  workerId: string;
  limit: number;
  leaseMs: number;
  now?: number;
}

/**
 * Takes up to `limit` runnable jobs and leases them to `workerId`.
 *
 * Runnable: pending and due, or running with an expired lease (its worker died). A grouped job is
 * runnable only when it is the oldest live job of its group, which is what serialises one
 * contact's messages while other contacts proceed in parallel. On PostgreSQL the candidates are
 * locked with SKIP LOCKED, so concurrent workers in other processes never claim the same job; on
 * SQLite the single writer gives the same guarantee.
 */
export async function claimJobs(store: Store, options: ClaimOptions): Promise<Job[]> {
  const now = options.now ?? Date.now();
  return store.write(async (trx) => {
    let candidates = trx
      .selectFrom('jobs as j')
      .select('j.id')
      .where((eb) =>
        eb.or([
          eb.and([eb('j.state', '=', 'pending'), eb('j.run_at', '<=', now)]),
          eb.and([eb('j.state', '=', 'running'), eb('j.locked_until', '<', now)]),
        ]),
      )
      .where((eb) =>
        eb.or([
          eb('j.group_key', 'is', null),
          eb.not(
            eb.exists(
              eb
                .selectFrom('jobs as earlier')
                .select(sql.lit(1).as('one'))
                .whereRef('earlier.group_key', '=', 'j.group_key')
                .whereRef('earlier.id', '<', 'j.id')
                .where('earlier.state', 'in', ['pending', 'running']),
            ),
          ),
        ]),
      )
      .orderBy('j.id')
      .limit(options.limit);
    if (store.capabilities.skipLocked) candidates = candidates.forUpdate().skipLocked();
    const ids = (await candidates.execute()).map((r) => r.id);
    if (ids.length === 0) return [];

    const rows = await trx
      .updateTable('jobs')
      .set((eb) => ({
        state: 'running',
        locked_by: options.workerId,
        locked_until: now + options.leaseMs,
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      .where('id', 'in', ids)
      .returningAll()
      .execute();

    return rows
      .sort((a, b) => a.id - b.id)
      .map((row) => ({
        id: row.id,
        kind: row.kind as JobKind,
        payload: JSON.parse(row.payload),
        groupKey: row.group_key,
        attempts: row.attempts,
        maxAttempts: row.max_attempts,
        lockedBy: options.workerId,
      }));
  });
}
