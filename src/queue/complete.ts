import type { Kysely } from 'kysely';
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
  const result = await trx
    .deleteFrom('jobs')
    .where('id', '=', job.id)
    .where('state', '=', 'running')
    .where('locked_by', '=', job.lockedBy)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw new LeaseLostError(job.id);
}
