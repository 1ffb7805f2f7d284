import type { Kysely } from 'kysely';

// Jobs sharing a limit key (a webhook endpoint) run at most a set number at a time per process,
// so one slow destination holds only its own share of the worker.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('limit_key', 'text').execute();
}
