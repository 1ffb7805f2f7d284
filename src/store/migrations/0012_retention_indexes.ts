import type { Kysely } from 'kysely';

// Retention (housekeeping/retention.ts) deletes by age; these indexes let it find the old rows without
// reading whole tables, and find an event's deliveries without knowing their endpoints.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('webhook_receipts_received').on('webhook_receipts').column('received_at').execute();
  await db.schema.createIndex('status_receipts_received').on('status_receipts').column('received_at').execute();
  await db.schema.createIndex('outbound_part_ids_created').on('outbound_part_ids').column('created_at').execute();
  await db.schema.createIndex('events_occurred').on('events').column('occurred_at').execute();
  await db.schema.createIndex('deliveries_event').on('deliveries').column('event_id').execute();
}
