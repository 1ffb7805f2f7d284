import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// The console's saved replies (answers agents insert into the reply box, kept by admins), and an
// index that finds one number's consent history in the console's consent ledger without reading
// every opt-out ever recorded.
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('saved_replies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema.createIndex('consent_changes_phone').on('consent_changes').columns(['phone', 'id']).execute();
}
