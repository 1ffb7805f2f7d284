import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// Workers announce themselves and beat (queue/presence.ts): a worker whose heartbeat is older than
// queue.takeover is dead, and the jobs it holds (jobs.locked_by = its id) run again at once
// elsewhere instead of when their leases expire. A handful of rows, read by a full scan.
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('workers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('started_at', bigint, (c) => c.notNull())
    .addColumn('seen_at', bigint, (c) => c.notNull())
    .execute();
}
