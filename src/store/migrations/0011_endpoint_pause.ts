import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// An endpoint that cannot be reached (timeouts, refused connections, 503) is paused: its other
// deliveries wait instead of each spending a worker slot on a doomed attempt, and one probe at a
// time tells when it is back (webhooks/endpoint-pause.ts).
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema.alterTable('endpoints').addColumn('paused_until', bigint).execute();
}
