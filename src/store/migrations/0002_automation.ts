import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// Reply automation: consent (suppressions and their history), contact fields and tags, who or what
// sent each outbound message, and when a conversation was last acknowledged.
export async function up(db: Kysely<unknown>, { autoIncrementId, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .alterTable('contacts')
    .addColumn('fields', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .alterTable('contacts')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();

  await db.schema.alterTable('conversations').addColumn('acknowledged_at', bigint).execute();
  await db.schema.alterTable('conversations').addColumn('needs_human_reason', 'text').execute();

  // api | automation | agent | compliance: loop protection counts automation, and only the
  // compliance confirmation may reach a number that has just opted out.
  await db.schema
    .alterTable('messages')
    .addColumn('origin', 'text', (c) => c.notNull().defaultTo('api'))
    .execute();
  // What the classifier read in an inbound message, for reply analytics.
  await db.schema.alterTable('messages').addColumn('intent', 'text').execute();
  await db.schema.createIndex('messages_recipient_origin').on('messages').columns(['to_number', 'origin', 'created_at']).execute();

  // A number that opted out, per business number (`scope` = that number) or for the whole
  // deployment (`scope` = '*').
  await db.schema
    .createTable('suppressions')
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('suppressions_pk', ['phone', 'scope'])
    .execute();

  // Every opt-out and opt-in, kept for audits: when, which words, which number.
  await db.schema
    .createTable('consent_changes')
    .addColumn('id', autoIncrementId, (c) => c.primaryKey())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('local_number', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('consent_changes_contact').on('consent_changes').columns(['contact_id', 'at']).execute();
}
