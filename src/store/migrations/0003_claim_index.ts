import type { Kysely } from 'kysely';

// Claiming walks pending jobs in id order and stops at its limit; an index on (state, id) lets it
// do so without sorting every due job first (which cost milliseconds per claim under a backlog).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('jobs_ready').execute();
  await db.schema.createIndex('jobs_state_id').on('jobs').columns(['state', 'id']).execute();
}
