import type { Kysely } from 'kysely';

// Set when a job's run was cut short without its worker saying how it ended (the process died, or
// stalled past its lease): the next run knows the last one may have done part of its work, such
// as handing a text to the provider without recording the answer.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('jobs')
    .addColumn('interrupted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
