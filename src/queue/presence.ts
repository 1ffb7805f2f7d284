import { hostname } from 'node:os';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Store } from '../store/database.js';

/**
 * Each worker's row in `workers`, beaten several times per `takeover` period, so that a worker
 * whose process died (SIGKILL, a lost machine) is noticed within seconds and its jobs run again
 * at once elsewhere, instead of when their leases run out. Times are the database's clock
 * (`Store.now`), so instances on machines whose clocks disagree still judge each other fairly.
 *
 * Taking over never doubles an effect: a worker taken for dead that was only stalled finds, when it
 * tries to complete or fail a released job, that the job is no longer leased to it (complete.ts),
 * and its effects roll back, exactly as after a lost lease.
 */

/** How many heartbeats per `takeover` period: a worker must miss most of them to be taken for dead. */
export const beatsPerTakeover = 5;

export interface TakeOver {
  /** The workers removed, and how long each had been silent (by the database's clock). */
  workers: Array<{ id: string; silentMs: number }>;
  /** Their running jobs, now pending again. */
  jobs: number;
}

/**
 * Records that `workerId` is alive now. Returns `registered` when its row was missing: at its
 * first beat, or after another instance took it for dead and removed it.
 */
export async function beat(store: Store, workerId: string): Promise<'beat' | 'registered'> {
  const updated = await store.writeAlone((db) =>
    db.updateTable('workers').set({ seen_at: store.now }).where('id', '=', workerId).executeTakeFirst(),
  );
  if (Number(updated.numUpdatedRows) > 0) return 'beat';
  await store.writeAlone((db) =>
    db
      .insertInto('workers')
      .values({ id: workerId, host: hostname(), pid: process.pid, started_at: store.now, seen_at: store.now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ seen_at: store.now }))
      .execute(),
  );
  return 'registered';
}

/**
 * Removes every other worker silent for longer than `takeoverMs` and puts the jobs they were
 * running back to pending (marked interrupted: a run may have been cut short mid-way, such as a
 * text handed to the provider without its answer recorded), in one transaction. Two instances
 * doing it at once is safe: a row is deleted once, so only one of them releases its jobs, and a
 * heartbeat that lands first keeps the worker (the delete reads the row again after the lock).
 */
export async function takeOverSilentWorkers(store: Store, selfId: string, takeoverMs: number, now = Date.now()): Promise<TakeOver> {
  // Most beats find nobody silent: one read, no transaction.
  const silent = await store.db
    .selectFrom('workers')
    .select('id')
    .where('id', '<>', selfId)
    .where('seen_at', '<', sql<number>`${store.now} - ${takeoverMs}`)
    .execute();
  if (silent.length === 0) return { workers: [], jobs: 0 };
  return store.write(async (trx) => {
    const removed = await trx
      .deleteFrom('workers')
      .where('id', '<>', selfId)
      .where('seen_at', '<', sql<number>`${store.now} - ${takeoverMs}`)
      .returning(['id', sql<number>`${store.now} - seen_at`.as('silent_ms')])
      .execute();
    if (removed.length === 0) return { workers: [], jobs: 0 };
    const released = await trx
      .updateTable('jobs')
      .set({ state: 'pending', locked_by: null, locked_until: null, interrupted: 1, updated_at: now })
      .where('state', '=', 'running')
      .where(
        'locked_by',
        'in',
        removed.map((w) => w.id),
      )
      .executeTakeFirst();
    return { workers: removed.map((w) => ({ id: w.id, silentMs: Number(w.silent_ms) })), jobs: Number(released.numUpdatedRows) };
  });
}

/**
 * A worker leaving for good (a clean stop): its row goes, and any job still running here goes
 * back to pending, marked interrupted, so another instance runs it now rather than after its lease.
 * Returns how many jobs were given back.
 */
export async function leave(store: Store, workerId: string, now = Date.now()): Promise<number> {
  return store.write(async (trx) => {
    await trx.deleteFrom('workers').where('id', '=', workerId).execute();
    const released = await trx
      .updateTable('jobs')
      .set({ state: 'pending', locked_by: null, locked_until: null, interrupted: 1, updated_at: now })
      .where('state', '=', 'running')
      .where('locked_by', '=', workerId)
      .executeTakeFirst();
    return Number(released.numUpdatedRows);
  });
}

export interface PresenceOptions {
  /** A worker silent this long is taken for dead (`queue.takeover`). */
  takeoverMs: number;
  /** Called after this worker put other workers' jobs back to pending: they can be claimed now. */
  onTakeOver?: (taken: TakeOver) => void;
}

/** Keeps one worker's row beating, and takes over silent workers' jobs, until stopped. */
export class Presence {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** When this worker's last beat landed (this process's clock); 0 before the first. */
  private lastBeatAt = 0;

  constructor(
    private readonly store: Store,
    private readonly workerId: string,
    private readonly log: Logger,
    private readonly options: PresenceOptions,
  ) {}

  /** Registers the worker (before its first claim, so its jobs are always someone's) and starts beating. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), Math.floor(this.options.takeoverMs / beatsPerTakeover));
    this.timer.unref();
  }

  private tick(): Promise<void> {
    // A beat still waiting on the database is not doubled by the next.
    this.ticking ??= this.beatAndLook().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async beatAndLook(): Promise<void> {
    const before = this.lastBeatAt;
    try {
      const state = await beat(this.store, this.workerId);
      this.lastBeatAt = Date.now();
      if (state === 'registered' && before > 0) {
        this.log.warn(
          { worker: this.workerId, silentMs: this.lastBeatAt - before },
          'this worker was taken for dead (its heartbeat was late past queue.takeover: a stalled event loop or an unreachable database); the jobs it was running went to other workers, and its results for them are rolled back',
        );
      }
    } catch (error) {
      this.log.warn({ err: error }, 'could not record this worker heartbeat; trying again at the next');
      return;
    }
    // Only a worker whose own heartbeats are landing judges others: after the database was away,
    // every heartbeat is old, and the others get a beat of their own to come back first.
    if (before === 0 || this.lastBeatAt - before >= this.options.takeoverMs) return;
    try {
      const taken = await takeOverSilentWorkers(this.store, this.workerId, this.options.takeoverMs);
      if (taken.workers.length === 0) return;
      this.log.warn(
        { workers: taken.workers, jobs: taken.jobs },
        'took over the jobs of workers silent past queue.takeover (their process died or stalled); they run again now',
      );
      this.options.onTakeOver?.(taken);
    } catch (error) {
      this.log.warn({ err: error }, 'could not take over silent workers; trying again at the next heartbeat');
    }
  }

  /** Stops beating; the worker's row and any job still running here are given up (`leave`). */
  async stop(): Promise<number> {
    clearInterval(this.timer);
    await this.ticking;
    return leave(this.store, this.workerId);
  }
}
