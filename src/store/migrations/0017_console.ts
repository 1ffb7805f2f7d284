import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// The console (src/console/): its users, their sessions, the audit trail of what agents did, the
// failed logins that rate-limit guessing, internal notes on conversations, and the submissions
// that make a repeated reply form send its text once. Conversations gain the agent they are
// assigned to, and an index that pages the inbox by (last activity, id) at any size.
export async function up(db: Kysely<unknown>, { autoIncrementId, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('console_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('disabled_at', bigint)
    .execute();

  await db.schema
    .createTable('console_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('console_users.id').onDelete('cascade'))
    .addColumn('csrf_secret', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('last_seen_at', bigint, (c) => c.notNull())
    .addColumn('expires_at', bigint, (c) => c.notNull())
    .addColumn('revoked_at', bigint)
    .addColumn('user_agent', 'text')
    .addColumn('address', 'text')
    .execute();
  await db.schema.createIndex('console_sessions_user').on('console_sessions').column('user_id').execute();

  await db.schema
    .createTable('console_audit')
    .addColumn('id', autoIncrementId, (c) => c.primaryKey())
    // No foreign key: the trail outlives a removed user (the email is kept in detail).
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('console_login_failures')
    .addColumn('id', autoIncrementId, (c) => c.primaryKey())
    // `address:…` or `email:…`: one row per key per failed attempt.
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('console_login_failures_key').on('console_login_failures').columns(['key', 'at']).execute();
  await db.schema.createIndex('console_login_failures_at').on('console_login_failures').column('at').execute();

  await db.schema
    .createTable('conversation_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('conversation_notes_conversation')
    .on('conversation_notes')
    .columns(['conversation_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('console_submissions')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text')
    .addColumn('created_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('console_submissions_created').on('console_submissions').column('created_at').execute();

  await db.schema.alterTable('conversations').addColumn('assigned_to', 'text').execute();
  await db.schema.createIndex('conversations_status_activity').on('conversations').columns(['status', 'last_message_at', 'id']).execute();
  // The console's live updates look for conversations changed in the last seconds (console/stream.ts).
  await db.schema.createIndex('conversations_updated').on('conversations').column('updated_at').execute();
  await db.schema.createIndex('conversations_activity').on('conversations').columns(['last_message_at', 'id']).execute();
  await db.schema.createIndex('conversations_assigned').on('conversations').columns(['assigned_to', 'last_message_at', 'id']).execute();
}
