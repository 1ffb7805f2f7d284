import { sql } from 'kysely';
import type { Store } from '../store/database.js';
import type { Job, JobKind } from './job-kinds.js';

export interface ClaimOptions {
  workerId: string;
  limit: number;
  /** Kinds this worker cannot take more of right now (at their concurrency cap). */
  excludeKinds?: readonly JobKind[];
  /** Limit keys this worker cannot take more of right now. */
  excludeLimitKeys?: readonly string[];
  leaseMs: number;
  now?: number;
}

/**
 * Takes up to `limit` runnable jobs and leases them to `workerId`.
 *
 * First, jobs whose lease expired (their worker died or stalled) go back to pending. Then pending,
 * due jobs are taken in id order, each only if it is the oldest live job of its group: that is what
 * serialises one contact's messages while other contacts proceed in parallel. The scan walks the
 * (state, id) index and stops at `limit`, so a backlog does not make claiming slower. On
 * PostgreSQL the candidates are locked with SKIP LOCKED, so concurrent workers in other processes
 * never claim the same job; on SQLite the single writer gives the same guarantee.
 */
export async function claimJobs(store: Store, options: ClaimOptions): Promise<Job[]> {
  const now = options.now ?? Date.now();
  return store.write(async (trx) => {
    await trx
      .updateTable('jobs')
      .set({ state: 'pending', locked_by: null, locked_until: null, updated_at: now })
      .where('state', '=', 'running')
      .where('locked_until', '<', now)
      .execute();

    let candidates = trx
      .selectFrom('jobs as j')
      .select('j.id')
      .where('j.state', '=', 'pending')
      .where('j.run_at', '<=', now)
      .$if((options.excludeKinds?.length ?? 0) > 0, (q) => q.where('j.kind', 'not in', options.excludeKinds!))
      .$if((options.excludeLimitKeys?.length ?? 0) > 0, (q) =>
        q.where((eb) => eb.or([eb('j.limit_key', 'is', null), eb('j.limit_key', 'not in', options.excludeLimitKeys!)])),
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
      .where('state', '=', 'pending')
      .returningAll()
      .execute();

    return rows
      .sort((a, b) => a.id - b.id)
      .map((row) => ({
        id: row.id,
        kind: row.kind as JobKind,
        payload: JSON.parse(row.payload),
        groupKey: row.group_key,
        limitKey: row.limit_key,
        attempts: row.attempts,
        maxAttempts: row.max_attempts,
        lockedBy: options.workerId,
      }));
  });
}
