import type { Kysely } from 'kysely';
import type { MigrationContext } from './context.js';

// Sender throughput (issue 14): a job's priority, so replies to people texting now are claimed
// before bulk traffic; and one slot clock per sending number, shared by every instance, that
// spaces that number's texts under its channel's rate limit.
export async function up(db: Kysely<unknown>, { bigint }: MigrationContext): Promise<void> {
  // 0 first (live work), 1 after (bulk sends); existing jobs are all 0.
  await db.schema
    .alterTable('jobs')
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('jobs_claim_priority').on('jobs').columns(['state', 'priority', 'id']).execute();

  await db.schema
    .createTable('sender_clocks')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    // The earliest time this number's next bulk text may go.
    .addColumn('next_slot_at', bigint, (c) => c.notNull())
    // Until when the provider asked this number to pause (its 429's Retry-After).
    .addColumn('held_until', bigint)
    .addPrimaryKeyConstraint('sender_clocks_pk', ['channel', 'number'])
    .execute();
}
