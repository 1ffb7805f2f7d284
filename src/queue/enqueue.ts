import type { Kysely } from 'kysely';
import { precompile } from '../store/precompiled.js';
import type { Database } from '../store/schema.js';
import type { JobKind, JobPayloads } from './job-kinds.js';

export interface EnqueueOptions {
  /** Jobs with the same group key run one at a time, in the order they were enqueued. */
  groupKey?: string | null;
  /** Jobs with the same limit key run at most the worker's `limitKeyMax` at a time. */
  limitKey?: string | null;
  runAt?: number;
  maxAttempts?: number;
  /** 0 (the default) for live work; 1 for bulk sends, claimed only after every due job of 0. */
  priority?: number;
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
  await insertJob(trx, {
    kind,
    payload: JSON.stringify(payload),
    group_key: options.groupKey ?? null,
    limit_key: options.limitKey ?? null,
    run_at: options.runAt ?? now,
    max_attempts: options.maxAttempts ?? defaultMaxAttempts,
    priority: options.priority ?? 0,
    now,
  });
}

export interface NewJob<K extends JobKind = JobKind> {
  kind: K;
  payload: JobPayloads[K];
  options?: EnqueueOptions;
}

/** Adds several jobs with one statement, in the order given (which is their order within a group). */
export async function enqueueMany(trx: Kysely<Database>, jobs: NewJob[]): Promise<void> {
  if (jobs.length === 0) return;
  const now = Date.now();
  await trx
    .insertInto('jobs')
    .values(
      jobs.map(({ kind, payload, options = {} }) => ({
        kind,
        payload: JSON.stringify(payload),
        group_key: options.groupKey ?? null,
        limit_key: options.limitKey ?? null,
        state: 'pending' as const,
        run_at: options.runAt ?? options.now ?? now,
        max_attempts: options.maxAttempts ?? defaultMaxAttempts,
        priority: options.priority ?? 0,
        created_at: options.now ?? now,
        updated_at: options.now ?? now,
      })),
    )
    .execute();
}

// Jobs enqueued one at a time: compiled once (see precompiled.ts).
const insertJob = precompile(
  ['kind', 'payload', 'group_key', 'limit_key', 'run_at', 'max_attempts', 'priority', 'now'],
  (
    db,
    p: {
      kind: string;
      payload: string;
      group_key: string | null;
      limit_key: string | null;
      run_at: number;
      max_attempts: number;
      priority: number;
      now: number;
    },
  ) =>
    db.insertInto('jobs').values({
      kind: p.kind,
      payload: p.payload,
      group_key: p.group_key,
      limit_key: p.limit_key,
      state: 'pending',
      run_at: p.run_at,
      max_attempts: p.max_attempts,
      priority: p.priority,
      created_at: p.now,
      updated_at: p.now,
    }),
);
