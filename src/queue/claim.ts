import { sql, type Kysely } from 'kysely';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';
import type { Job, JobKind } from './job-kinds.js';

export interface ClaimOptions {
  workerId: string;
  limit: number;
  /** Kinds this worker cannot take more of right now (at their concurrency cap). */
  excludeKinds?: readonly JobKind[];
  /** Limit keys this worker cannot take more of right now. */
  excludeLimitKeys?: readonly string[];
  /**
   * How many jobs of one limit key this worker may still take: `max` for a key with none running
   * here, less for keys listed in `used`. Without it a claim could take a hundred jobs of one busy
   * endpoint only to hand most of them back.
   */
  limitKeyRoom?: { max: number; used: ReadonlyMap<string, number> };
  leaseMs: number;
  now?: number;
}

/** A pending job that is due, if any: one entry of the `jobs_due` index. */
export function anyDue(db: Kysely<Database>, now: number) {
  return db
    .selectFrom('jobs as due')
    .select(sql.lit(1).as('one'))
    .where('due.state', '=', 'pending')
    .where('due.run_at', '<=', now)
    .limit(1);
}

/**
 * The claim's candidates: pending, due jobs that head their group, by priority then id, up to the
 * limit (exported for the jobs-due bench, which shows its plan).
 */
export function candidateJobs(
  db: Kysely<Database>,
  dialect: Store['dialect'],
  now: number,
  options: Pick<ClaimOptions, 'limit' | 'excludeKinds' | 'excludeLimitKeys'>,
) {
  const inProcess = dialect === 'sqlite';
  return (
    db
      .selectFrom('jobs as j')
      .select(['j.id', 'j.limit_key'])
      .where('j.state', '=', 'pending')
      // On SQLite `+run_at`, which no index serves: its planner, having no statistics, would otherwise
      // take `jobs_due` and sort every due job by priority, where the walk of (state, priority, id)
      // stops at the limit (89 against 0.3 ms for a claim under 100,000 due jobs). PostgreSQL
      // weighs both with its statistics.
      .where(inProcess ? sql<number>`+j.run_at` : sql.ref('j.run_at'), '<=', now)
      // With nothing due, the walk would read every job queued for later (a broadcast's 100,000)
      // to return none. PostgreSQL evaluates this once, before the walk, from the `jobs_due` index.
      .$if(!inProcess, (q) => q.where((eb) => eb.exists(anyDue(db, now))))
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
      // Live work (priority 0) before bulk sends (1): a broadcast's backlog never delays a reply.
      .orderBy('j.priority')
      .orderBy('j.id')
      .limit(options.limit)
  );
}

/**
 * Takes up to `limit` runnable jobs and leases them to `workerId`.
 *
 * First, jobs whose lease expired (their worker died or stalled) go back to pending. Then pending,
 * due jobs are taken by priority (live work before bulk sends), then in id order, each only if it
 * is the oldest live job of its group: that is what serialises one contact's messages while other
 * contacts proceed in parallel. The scan walks the (state, priority, id) index and stops at
 * `limit`, so a backlog does not make claiming slower.
 *
 * On PostgreSQL the take is one UPDATE whose candidates are read FOR UPDATE SKIP LOCKED: instances
 * claiming at once each get different jobs (the limit counts only rows no one else is taking), and
 * the claim is two round trips, not a transaction of five. On SQLite the single writer gives the
 * same guarantee, and statements cost no round trip.
 */
export async function claimJobs(store: Store, options: ClaimOptions): Promise<Job[]> {
  const now = options.now ?? Date.now();
  const expireLeases = (db: Kysely<Database>) =>
    db
      .updateTable('jobs')
      .set({ state: 'pending', locked_by: null, locked_until: null, interrupted: 1, updated_at: now })
      .where('state', '=', 'running')
      .where('locked_until', '<', now)
      .execute();
  const take = (db: Kysely<Database>, ids: ReturnType<typeof chosenJobs> | number[]) =>
    db
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

  const rows = store.capabilities.skipLocked
    ? await store.writeAlone(async (db) => {
        // Its own statement: a lease expired here is claimable by this same claim's UPDATE, which
        // would not see it as pending if both were one statement (one snapshot).
        await expireLeases(db);
        return take(db, chosenJobs(db, store.dialect, now, options, true));
      })
    : await store.write(async (trx) => {
        await expireLeases(trx);
        // Whether anything is due: in the candidates' query on PostgreSQL, but SQLite would check it
        // at every row it walks, so here it is asked first, alone.
        if ((await anyDue(trx, now).executeTakeFirst()) === undefined) return [];
        const ids = (await chosenJobs(trx, store.dialect, now, options, false).execute()).map((r) => r.id);
        return ids.length === 0 ? [] : take(trx, ids);
      });

  return rows
    .sort((a, b) => a.id - b.id)
    .map((row) => ({
      id: row.id,
      kind: row.kind as JobKind,
      payload: JSON.parse(row.payload) as Job['payload'],
      groupKey: row.group_key,
      limitKey: row.limit_key,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      lockedBy: options.workerId,
      interrupted: row.interrupted === 1,
    }));
}

/**
 * The ids a claim takes: the candidates, then of them at most the room left per limit key, ranked
 * within the (bounded) candidate set, so this costs no more than the candidates themselves. With
 * `lock`, the candidates are locked as they are read, skipping rows another instance is taking.
 */
function chosenJobs(db: Kysely<Database>, dialect: Store['dialect'], now: number, options: ClaimOptions, lock: boolean) {
  let candidates = candidateJobs(db, dialect, now, options);
  if (lock) candidates = candidates.forUpdate('j').skipLocked();
  const room = options.limitKeyRoom;
  if (!room) return candidates.clearSelect().select('j.id');
  const roomOf =
    room.used.size === 0
      ? sql<number>`${sql.lit(room.max)}`
      : sql<number>`case c.limit_key ${sql.join(
          [...room.used].map(([key, used]) => sql`when ${key} then ${sql.lit(Math.max(0, room.max - used))}`),
          sql` `,
        )} else ${sql.lit(room.max)} end`;
  // The ranking is an outer query: PostgreSQL allows no FOR UPDATE beside a window function.
  return db
    .selectFrom(
      db
        .selectFrom(candidates.as('c'))
        .select([
          'c.id',
          'c.limit_key',
          sql<number>`row_number() over (partition by c.limit_key order by c.id)`.as('rank'),
          roomOf.as('room'),
        ])
        .as('ranked'),
    )
    .select('ranked.id')
    .where((eb) => eb.or([eb('ranked.limit_key', 'is', null), eb('ranked.rank', '<=', eb.ref('ranked.room'))]));
}
