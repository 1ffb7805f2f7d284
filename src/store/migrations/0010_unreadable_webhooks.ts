import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// Webhooks that passed the provider's signature check but could not be read (a format Parley does
// not know yet): kept, so that nothing a provider sent — a STOP least of all — is lost to a parser,
// and replayed once Parley reads the format.
export async function up(db: Kysely<unknown>, { autoIncrementId, bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('unreadable_webhooks')
    .addColumn('id', autoIncrementId, (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    // inbound | status | events: the URL it came to
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    /** Path and query as received, less the parameters that carry the channel's secret. */
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text', (c) => c.notNull())
    .addColumn('error_message', 'text', (c) => c.notNull())
    .addColumn('received_at', bigint, (c) => c.notNull())
    .execute();
}
