import type { Store } from '../store/database.js';

/**
 * Extends the leases of jobs this worker is still running, so a short lease (a crashed process's
 * jobs run again within seconds) does not take a slow job away from a live worker. Jobs whose
 * lease already passed to another worker are left alone; returns how many were renewed.
 */
export async function renewLeases(
  store: Store,
  workerId: string,
  jobIds: readonly number[],
  leaseMs: number,
  now = Date.now(),
): Promise<number> {
  if (jobIds.length === 0) return 0;
  const result = await store.write((trx) =>
    trx
      .updateTable('jobs')
      .set({ locked_until: now + leaseMs })
      .where('id', 'in', jobIds)
      .where('state', '=', 'running')
      .where('locked_by', '=', workerId)
      .executeTakeFirst(),
  );
  return Number(result.numUpdatedRows);
}
