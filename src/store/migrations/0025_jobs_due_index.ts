import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// The pending jobs by when they fall due, so that a claim finding nothing due and the worker's
// next-due read (queue/next-due.ts) look only at the due end of the queue, not at every job queued
// for later: 100,000 future broadcast sends made each empty claim and each next-due read scan all
// of them (`npm run bench -- jobs-due`). Partial: only pending jobs, the ones both queries read.
//
// PostgreSQL only. SQLite's planner, without ANALYZE statistics (Parley does not gather them), keeps
// to the (state, …) indexes and never picks this one; a plain (state, run_at) index, which it does
// pick, turns a claim under a backlog of due jobs into a sort of all of them (0.3 → 89 ms at
// 100,000 due jobs, measured), where the (state, priority, id) walk stops at the claim's limit.
// PostgreSQL weighs both plans with its statistics and takes this index only when few jobs are due.
export async function up(db: Kysely<unknown>, { dialect }: MigrationContext): Promise<void> {
  if (dialect !== 'postgres') return;
  await db.schema.createIndex('jobs_due').on('jobs').column('run_at').where(sql.ref('state'), '=', sql.lit('pending')).execute();
}
