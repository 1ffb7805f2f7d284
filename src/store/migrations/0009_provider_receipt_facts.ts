import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// Two things some providers say only in delivery receipts:
// - that the recipient opted out with the provider itself (Vonage err-code 9, smsmode "blacklisted"):
//   the receipt carries a flag, and applying it suppresses the contact in Parley too;
// - receipts for the later parts of a long text, each under its own provider id (Vonage's SMS API
//   answers a send with one id per part): the ids are kept per message so those receipts find it.
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .alterTable('status_receipts')
    .addColumn('recipient_opted_out', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('outbound_part_ids')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    /** 1-based, in the order the provider listed the parts. */
    .addColumn('part_index', 'integer', (c) => c.notNull())
    .addColumn('part_total', 'integer', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('outbound_part_ids_pk', ['channel', 'provider_message_id'])
    .execute();
  await db.schema.createIndex('outbound_part_ids_message').on('outbound_part_ids').column('message_id').execute();
}
