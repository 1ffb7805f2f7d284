import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// What a message's trace shows that was not kept before: how its webhook came (method, URL, headers
// with their secrets already replaced, the signature's outcome), what the router decided and why,
// each call to the provider, and what each receipt did to the status. Columns and a table are only
// added: a previous version still running during an upgrade leaves them null, and its messages'
// traces say so.
export async function up(db: Kysely<unknown>, { autoIncrementId, bigint }: MigrationContext): Promise<void> {
  // JSON: { method, url, headers, provider, signature: { scheme, mode, verified, reason? }, arrived_at }.
  await db.schema.alterTable('webhook_receipts').addColumn('request', 'text').execute();
  // JSON written by the router with the message's processing: the reading and the path taken.
  await db.schema.alterTable('messages').addColumn('routing', 'text').execute();
  // What applying a receipt found and left; equal when the receipt changed nothing (it came late).
  await db.schema.alterTable('status_receipts').addColumn('status_before', 'text').execute();
  await db.schema.alterTable('status_receipts').addColumn('status_after', 'text').execute();

  await db.schema
    .createTable('send_attempts')
    .addColumn('id', autoIncrementId, (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull())
    // The send job's attempt number, from 1.
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', bigint, (c) => c.notNull())
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    // accepted | retrying | failed
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('provider_message_id', 'text')
    .addColumn('provider_status', 'text')
    // The SendError kind (connection, throttled, rejected…) and the provider's own code.
    .addColumn('error_kind', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .execute();
  await db.schema.createIndex('send_attempts_message').on('send_attempts').columns(['message_id', 'id']).execute();
  await db.schema.createIndex('send_attempts_started').on('send_attempts').column('started_at').execute();
}
