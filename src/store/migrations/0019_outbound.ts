import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// Texts that start conversations (issue 14, first part): named templates with their language
// variants; what a contact reads in (timezone, language); a message's scheduled time and the
// template it was written from; and the Idempotency-Key answers of the last day.
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('templates')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text')
    // The language `body` is written in; `variants` is a JSON object of other languages' texts.
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('variants', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    // What the key was used for (`messages.create`): the same key may serve two kinds of request.
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();

  await db.schema.alterTable('contacts').addColumn('timezone', 'text').execute();
  await db.schema.alterTable('contacts').addColumn('language', 'text').execute();

  await db.schema.alterTable('messages').addColumn('send_at', bigint).execute();
  await db.schema.alterTable('messages').addColumn('template', 'text').execute();
  // Lists the scheduled messages without a sixth index over every message: only rows waiting for
  // their time are in it, so the hot path (which never writes `scheduled`) pays nothing.
  await db.schema
    .createIndex('messages_scheduled')
    .on('messages')
    .column('id')
    .where(sql.ref('status'), '=', sql.lit('scheduled'))
    .execute();
}
