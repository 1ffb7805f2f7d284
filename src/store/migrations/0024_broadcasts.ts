import { sql, type Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// Broadcasts (issue 14): one text to many. The broadcast row holds what to send, to whom (the
// audience as asked: phones, a tag or a filter) and where its fill stands; its recipients are
// written page by page, one row per phone (the primary key deduplicates), each pointing at the
// message it became; messages carry their broadcast so every count is a query.
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('broadcasts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    // Either `body`, or `template` with a snapshot of it (`template_json`) and its `vars`.
    .addColumn('body', 'text')
    .addColumn('template', 'text')
    .addColumn('template_json', 'text')
    .addColumn('vars', 'text', (c) => c.notNull())
    // JSON: {"phones": […]} | {"tag": "…"} | {"filter": {…}}.
    .addColumn('audience', 'text', (c) => c.notNull())
    // JSON {"allowed": "08:00-21:00"}: over the channel's and the deployment's window.
    .addColumn('quiet_hours', 'text')
    .addColumn('send_at', bigint)
    // Where the fill stands: an index into the phones, or the last contact id read.
    .addColumn('fill_cursor', 'text')
    .addColumn('filled_at', bigint)
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('started_at', bigint)
    .addColumn('finished_at', bigint)
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('broadcast_recipients')
    .addColumn('broadcast_id', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text')
    // pending → dispatched (its message was made) | skipped (see error) | cancelled.
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('broadcast_recipients_pk', ['broadcast_id', 'phone'])
    .execute();
  // The dispatch reads the next pending recipients; only those are in this index.
  await db.schema
    .createIndex('broadcast_recipients_pending')
    .on('broadcast_recipients')
    .columns(['broadcast_id', 'phone'])
    .where(sql.ref('state'), '=', sql.lit('pending'))
    .execute();

  // Erasure finds a number's rows in every broadcast.
  await db.schema.createIndex('broadcast_recipients_phone').on('broadcast_recipients').column('phone').execute();

  await db.schema.alterTable('messages').addColumn('broadcast_id', 'text').execute();
  // Only broadcast messages are in it, so the hot path's inserts of every other message pay nothing.
  await db.schema
    .createIndex('messages_broadcast')
    .on('messages')
    .columns(['broadcast_id', 'id'])
    .where(sql.ref('broadcast_id'), 'is not', null)
    .execute();
}
