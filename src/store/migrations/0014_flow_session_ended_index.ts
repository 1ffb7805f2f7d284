import type { Kysely } from 'kysely';

// Retention deletes flow sessions that ended long ago (housekeeping/retention.ts): found by when they ended.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('flow_sessions_ended').on('flow_sessions').column('ended_at').execute();
}
