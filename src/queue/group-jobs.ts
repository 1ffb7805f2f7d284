import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

// A group's live jobs seen from outside the worker: whether one is waiting or running, and bringing
// a waiting one forward (a broadcast's run, when a cancel or resume should not wait for its time).

/** Whether the group has a job pending or running. */
export async function groupHasLiveJob(trx: Kysely<Database>, groupKey: string): Promise<boolean> {
  const row = await trx
    .selectFrom('jobs')
    .select('id')
    .where('group_key', '=', groupKey)
    .where('state', 'in', ['pending', 'running'])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Makes the group's pending jobs due now. */
export async function runGroupNow(trx: Kysely<Database>, groupKey: string, now = Date.now()): Promise<void> {
  await trx
    .updateTable('jobs')
    .set({ run_at: now, updated_at: now })
    .where('group_key', '=', groupKey)
    .where('state', '=', 'pending')
    .where('run_at', '>', now)
    .execute();
}
