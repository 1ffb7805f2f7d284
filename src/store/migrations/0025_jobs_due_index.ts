import { sql, type Kysely } from 'kysely';

// The pending jobs by when they fall due, so that a claim finding nothing due and the worker's
// next-due read (queue/next-due.ts) look only at the due end of the queue, not at every job queued
// for later: 100,000 future broadcast sends made each empty claim and each next-due read scan all
// of them (`npm run bench -- jobs-due`). Partial: only pending jobs, the ones both queries read.
//
// `state` leads although every entry is 'pending': SQLite's planner, which has no statistics, takes
// an index for `state = ? and run_at …` only when it serves both terms; on `run_at` alone it
// kept to (state, id) and read every pending job. The claim's walk must not take this index on
// SQLite (it would sort every due job by priority: 89 against 0.3 ms under 100,000 due jobs), so
// there it compares `+run_at`, which no index serves (queue/claim.ts). PostgreSQL weighs both
// plans with its statistics.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('jobs_due')
    .on('jobs')
    .columns(['state', 'run_at'])
    .where(sql.ref('state'), '=', sql.lit('pending'))
    .execute();
}
