import type { Kysely } from 'kysely';

// Who put a suppression in place: the contact (a STOP, here or at the provider) or the business
// through the API (an opt-out list brought from another system). Only the business's own entries
// may be withdrawn through the API; a contact's opt-out is lifted by the contact alone.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('suppressions')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('contact'))
    .execute();
}
