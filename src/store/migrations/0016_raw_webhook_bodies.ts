import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// The exact bytes of each raw webhook, beside its text copy. The text copy is the body decoded as
// UTF-8, so bytes that are not UTF-8 came back changed (FF FE became EF BF BD EF BF BD) and the copy
// could not be checked against the provider's signature any more. Columns are only added: a
// previous version still running during an upgrade writes the text alone (raw_body stays null) and
// reads the text as before.
export async function up(db: Kysely<unknown>, { bytes }: MigrationContext): Promise<void> {
  await db.schema.alterTable('webhook_receipts').addColumn('raw_body', bytes).execute();
  await db.schema.alterTable('unreadable_webhooks').addColumn('raw_body', bytes).execute();
}
