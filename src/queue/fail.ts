import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { Job } from './job-kinds.js';

export interface FailOptions {
  error: string;
  /** When to try again; ignored when the job is out of attempts or `final` is set. */
  retryAt: number;
  /** The error cannot be cured by retrying (bad data, a permanent provider refusal). */
  final?: boolean;
  now?: number;
}

/**
 * Records a failed attempt (the run ended knowing how, so it is no longer marked interrupted): back to pending for a later retry, or `dead` when attempts are spent
 * or the failure is final. Dead jobs stay in the table, listable and retryable by hand.
 * Returns the state the job ended in, or null if the lease had already passed to another worker.
 */
export async function failJob(db: Kysely<Database>, job: Job, options: FailOptions): Promise<'pending' | 'dead' | null> {
  const now = options.now ?? Date.now();
  const dead = options.final === true || job.attempts >= job.maxAttempts;
  const result = await db
    .updateTable('jobs')
    .set({
      state: dead ? 'dead' : 'pending',
      run_at: dead ? now : options.retryAt,
      locked_by: null,
      locked_until: null,
      last_error: options.error.slice(0, 2000),
      interrupted: 0,
      updated_at: now,
    })
    .where('id', '=', job.id)
    .where('state', '=', 'running')
    .where('locked_by', '=', job.lockedBy)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) return null;
  return dead ? 'dead' : 'pending';
}

/**
 * Gives a job back untouched (clean shutdown, or a claim over a kind's limit): it runs again at once
 * elsewhere, attempt not spent, and still marked interrupted if its run before this one was.
 */
export async function releaseJob(db: Kysely<Database>, job: Job, now = Date.now()): Promise<void> {
  await db
    .updateTable('jobs')
    .set((eb) => ({ state: 'pending', locked_by: null, locked_until: null, attempts: eb('attempts', '-', 1), updated_at: now }))
    .where('id', '=', job.id)
    .where('state', '=', 'running')
    .where('locked_by', '=', job.lockedBy)
    .execute();
}
