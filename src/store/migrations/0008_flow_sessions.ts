import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// Conversation flows: one session per contact and business number while a flow runs, keyed by the
// texter's number; finished sessions are kept as history.
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('flow_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('flow', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('local_number', 'text', (c) => c.notNull())
    .addColumn('step', 'text', (c) => c.notNull())
    .addColumn('vars', 'text', (c) => c.notNull())
    .addColumn('retries', 'integer', (c) => c.notNull())
    // active | completed | handed_off | opted_out | replaced | expired
    .addColumn('status', 'text', (c) => c.notNull())
    // Bumped on every change: a turn commits only over the state it started from.
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('started_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .addColumn('expires_at', bigint, (c) => c.notNull())
    .addColumn('ended_at', bigint)
    .execute();
  // At most one active session per texter and business number.
  await db.schema
    .createIndex('flow_sessions_one_active')
    .on('flow_sessions')
    .columns(['phone', 'local_number'])
    .unique()
    .where(sql.ref('status'), '=', 'active')
    .execute();
  await db.schema.createIndex('flow_sessions_contact').on('flow_sessions').columns(['contact_id', 'started_at']).execute();
}
