import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { JobKind, JobPayloads } from './job-kinds.js';

export interface EnqueueOptions {
  /** Jobs with the same group key run one at a time, in the order they were enqueued. */
  groupKey?: string | null;
  runAt?: number;
  maxAttempts?: number;
  now?: number;
}

export const defaultMaxAttempts = 10;

/**
 * Adds a job in the caller's transaction, so the job exists exactly when the state that needs it
 * does (the message it routes, the send it performs).
 */
export async function enqueue<K extends JobKind>(
  trx: Kysely<Database>,
  kind: K,
  payload: JobPayloads[K],
  options: EnqueueOptions = {},
): Promise<void> {
  const now = options.now ?? Date.now();
  await trx
    .insertInto('jobs')
    .values({
      kind,
      payload: JSON.stringify(payload),
      group_key: options.groupKey ?? null,
      state: 'pending',
      run_at: options.runAt ?? now,
      max_attempts: options.maxAttempts ?? defaultMaxAttempts,
      created_at: now,
      updated_at: now,
    })
    .execute();
}
