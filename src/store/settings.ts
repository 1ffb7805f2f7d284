import type { Kysely } from 'kysely';
import type { Store } from './database.js';
import type { Database } from './schema.js';

export async function readSetting(db: Kysely<Database>, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

/**
 * Stores `value` under `key` unless a value is already there, and returns whichever value won:
 * two processes starting together on one database agree on one generated secret.
 */
export async function writeSettingOnce(store: Store, key: string, value: string): Promise<string> {
  await store.write((trx) =>
    trx
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute(),
  );
  return (await readSetting(store.db, key))!;
}
