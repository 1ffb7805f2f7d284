import type { Store } from '../store/database.js';

/**
 * Takes back every job lease at once, marking those jobs interrupted, and returns how many there
 * were. Only for a process that knows no other is running the queue: on SQLite, the one holding
 * the database's process lock (store/process-lock.ts). Whatever is `running` then belongs to a
 * process that died, and waiting for its leases to expire would only delay the answers.
 */
export async function takeBackAllLeases(store: Store, now = Date.now()): Promise<number> {
  return store.write(async (trx) => {
    // The dead process's workers too: none of them is running.
    await trx.deleteFrom('workers').execute();
    const result = await trx
      .updateTable('jobs')
      .set({ state: 'pending', locked_by: null, locked_until: null, interrupted: 1, updated_at: now })
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
}
