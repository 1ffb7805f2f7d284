import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// Triggers (issue 14): the business events already acted on, by the event's id, so a retried event
// does nothing twice; and the scheduled texts an event set under a key (an appointment's id), so a
// later event can move or cancel them.
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('trigger_events')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('received_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('trigger_events_pk', ['trigger', 'event_id'])
    .execute();
  await db.schema.createIndex('trigger_events_received').on('trigger_events').column('received_at').execute();

  await db.schema
    .createTable('trigger_keys')
    // `<path>=<value>`, e.g. `appointment.id=apt_1001`: the same for every trigger that names the same thing.
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('trigger_keys_pk', ['key', 'message_id'])
    .execute();
}
