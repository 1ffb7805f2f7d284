import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

/**
 * Runs a dead job again, from now, with its attempts counted afresh: the operator's answer once
 * the cause is fixed. Returns false (and changes nothing) when no dead job has this id. The caller
 * tells the worker afterwards (`ctx.jobsQueued()`).
 */
export async function retryDeadJob(trx: Kysely<Database>, id: number, now: number): Promise<boolean> {
  const result = await trx
    .updateTable('jobs')
    .set({ state: 'pending', run_at: now, attempts: 0, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'dead')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
