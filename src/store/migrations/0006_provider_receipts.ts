import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// What real providers need beyond the generic format:
// - status receipts deduplicated by a key the adapter chooses (a provider's notification id, or a
//   part with its status) rather than by status alone, since a multipart message reports
//   "delivered" once per part; receipts may carry Parley's own message id from the callback URL;
// - inbound messages that arrive in parts (Vonage), kept until every part is here.
export async function up(db: Kysely<unknown>, { autoIncrementId, bigint }: MigrationContext): Promise<void> {
  // SQLite cannot drop a table constraint, so the table is rebuilt with ids kept.
  await db.schema
    .createTable('status_receipts_next')
    .addColumn('id', autoIncrementId, (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('parley_message_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('provider_status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('part_key', 'text')
    .addColumn('part_total', 'integer')
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('provider_time', bigint)
    .addColumn('received_at', bigint, (c) => c.notNull())
    .addColumn('applied_at', bigint)
    .addUniqueConstraint('status_receipts_once_v2', ['channel', 'provider_message_id', 'dedupe_key'])
    .execute();
  await sql`insert into status_receipts_next
      (id, channel, provider_message_id, status, provider_status, error_code, dedupe_key, provider_time, received_at, applied_at)
    select id, channel, provider_message_id, status, provider_status, error_code, provider_status, provider_time, received_at, applied_at
    from status_receipts`.execute(db);
  await db.schema.dropTable('status_receipts').execute();
  await db.schema.alterTable('status_receipts_next').renameTo('status_receipts').execute();
  if (autoIncrementId === 'bigserial') {
    await sql`select setval(pg_get_serial_sequence('status_receipts', 'id'), coalesce((select max(id) from status_receipts), 0) + 1, false)`.execute(
      db,
    );
  }
  await db.schema.createIndex('status_receipts_parley_id').on('status_receipts').column('parley_message_id').execute();

  await db.schema
    .createTable('inbound_part_sets')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('from_number', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    /** The assembled message, once every part is in; parts stay a while to recognise retries. */
    .addColumn('message_id', 'text')
    .addColumn('first_seen_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_part_sets_pk', ['channel', 'from_number', 'reference'])
    .execute();
  await db.schema
    .createTable('inbound_parts')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('from_number', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('part_index', 'integer', (c) => c.notNull())
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('media_urls', 'text', (c) => c.notNull())
    .addColumn('provider_message_id', 'text', (c) => c.notNull())
    .addColumn('provider_time', bigint)
    .addColumn('received_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('inbound_parts_pk', ['channel', 'from_number', 'reference', 'part_index'])
    .execute();
}
