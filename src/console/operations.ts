import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

// The queries behind the jobs and unreadable-webhooks pages, each an index range: jobs by
// (state, id), kept webhooks by id.

export interface JobRowView {
  id: number;
  kind: string;
  state: 'pending' | 'running' | 'dead';
  payload: string;
  group_key: string | null;
  attempts: number;
  max_attempts: number;
  run_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

const jobColumns = [
  'id',
  'kind',
  'state',
  'payload',
  'group_key',
  'attempts',
  'max_attempts',
  'run_at',
  'locked_by',
  'locked_until',
  'last_error',
  'created_at',
  'updated_at',
] as const;

export interface JobsOverview {
  /** Jobs that ran out of attempts, newest first: one page. */
  dead: JobRowView[];
  /** The id to page on from, when older dead jobs follow. */
  nextDead: number | null;
  /** Running jobs whose lease has passed: their worker died or stalled (another worker takes them over). */
  stuck: JobRowView[];
  /** Pending jobs that are due, oldest first: a queue falling behind shows here. */
  due: JobRowView[];
}

export async function jobsOverview(
  db: Kysely<Database>,
  options: { before: number | null; limit: number; now: number },
): Promise<JobsOverview> {
  let dead = db
    .selectFrom('jobs')
    .select(jobColumns)
    .where('state', '=', 'dead')
    .orderBy('id', 'desc')
    .limit(options.limit + 1);
  if (options.before !== null) dead = dead.where('id', '<', options.before);
  const [deadRows, stuck, due] = await Promise.all([
    dead.execute(),
    db
      .selectFrom('jobs')
      .select(jobColumns)
      .where('state', '=', 'running')
      .where('locked_until', '<', options.now)
      .orderBy('id')
      .limit(20)
      .execute(),
    db
      .selectFrom('jobs')
      .select(jobColumns)
      .where('state', '=', 'pending')
      .where('run_at', '<=', options.now)
      .orderBy('id')
      .limit(20)
      .execute(),
  ]);
  const more = deadRows.length > options.limit;
  if (more) deadRows.pop();
  return { dead: deadRows, nextDead: more ? deadRows.at(-1)!.id : null, stuck, due };
}

export interface UnreadableSummary {
  id: number;
  channel: string;
  path: 'inbound' | 'status' | 'events';
  method: string;
  content_type: string | null;
  error_code: string;
  error_message: string;
  received_at: number;
}

/** One page of the kept unreadable webhooks, newest first, without their bodies. */
export async function unreadablePage(
  db: Kysely<Database>,
  options: { before: number | null; limit: number },
): Promise<{ rows: UnreadableSummary[]; next: number | null }> {
  let select = db
    .selectFrom('unreadable_webhooks')
    .select(['id', 'channel', 'path', 'method', 'content_type', 'error_code', 'error_message', 'received_at'])
    .orderBy('id', 'desc')
    .limit(options.limit + 1);
  if (options.before !== null) select = select.where('id', '<', options.before);
  const rows = await select.execute();
  const more = rows.length > options.limit;
  if (more) rows.pop();
  return { rows, next: more ? rows.at(-1)!.id : null };
}

/** A positive integer id from a query or path parameter, or null. */
export function integerId(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return null;
  const id = Number(value);
  return id > 0 ? id : null;
}
