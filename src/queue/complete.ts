import type { Kysely } from 'kysely';
import { precompile } from '../store/precompiled.js';
import type { Database } from '../store/schema.js';
import type { Job } from './job-kinds.js';

/** The job's lease passed to another worker; whatever this worker did with it must not commit. */
export class LeaseLostError extends Error {
  constructor(readonly jobId: number) {
    super(`job ${jobId} is no longer leased to this worker`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Removes a finished job, in the same transaction as the job's effects. If the lease was lost
 * (this worker stalled past it and another took the job over), it throws, so the effects roll
 * back and only the new owner's run counts.
 */
export async function completeJob(trx: Kysely<Database>, job: Job): Promise<void> {
  const result = await deleteLeasedJob(trx, { id: job.id, locked_by: job.lockedBy });
  if (!result.numAffectedRows) throw new LeaseLostError(job.id);
}

// Every job ends here: compiled once (see store/precompiled.ts).
const deleteLeasedJob = precompile(['id', 'locked_by'], (db, p: { id: number; locked_by: string }) =>
  db.deleteFrom('jobs').where('id', '=', p.id).where('state', '=', 'running').where('locked_by', '=', p.locked_by),
);
