import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// Per-endpoint delivery controls: a rate limit, ordered delivery per contact, and the time an
// endpoint started failing everything (it is disabled after webhooks.disable_after).
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema.alterTable('endpoints').addColumn('rate_limit', 'integer').execute();
  await db.schema
    .alterTable('endpoints')
    .addColumn('ordered', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('endpoints').addColumn('failing_since', bigint).execute();
  // The next free send slot under the rate limit, shared by every instance.
  await db.schema.alterTable('endpoints').addColumn('next_slot_at', bigint).execute();

  // In ordered mode, deliveries about one contact wait ('waiting') behind the one being sent.
  await db.schema.alterTable('deliveries').addColumn('order_key', 'text').execute();
  await db.schema.createIndex('deliveries_order').on('deliveries').columns(['endpoint_id', 'order_key', 'status', 'id']).execute();
  await db.schema
    .createTable('delivery_order_heads')
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('order_key', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('delivery_order_heads_pk', ['endpoint_id', 'order_key'])
    .execute();
}
