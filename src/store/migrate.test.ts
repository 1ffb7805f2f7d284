import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { postgresUrl } from '../../test/helpers/stores.js';
import { openStore, type Store } from './database.js';
import { latestMigration, migrateToLatest, migrationsCurrent } from './migrate.js';

function withSearchPath(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

describe('migrations on a PostgreSQL server shared with other schemas', { skip: postgresUrl ? false : 'no PostgreSQL server' }, () => {
  const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const neighbour = `t_neighbour_${suffix}`;
  const ours = `t_ours_${suffix}`;
  const missing = `t_missing_${suffix}`;
  const opened: Store[] = [];
  const freshSchemas: string[] = [];

  after(async () => {
    for (const store of opened) await store.close();
    const admin = await openStore(postgresUrl);
    for (const schema of [neighbour, ours, ...freshSchemas]) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.db);
    await admin.close();
  });

  it('migrates the schema named by the connection search_path though another schema already has migration tables', async () => {
    const other = await openStore(postgresUrl, { schema: neighbour });
    opened.push(other);
    await migrateToLatest(other);

    const admin = await openStore(postgresUrl);
    opened.push(admin);
    await sql`create schema ${sql.id(ours)}`.execute(admin.db);

    // The way `parley start` meets a schema: only through DATABASE_URL, no schema option.
    const store = await openStore(withSearchPath(postgresUrl, ours));
    opened.push(store);
    const report = await migrateToLatest(store);
    assert.equal(report.applied.at(-1), latestMigration);
    assert.equal(await migrationsCurrent(store), true);

    const { rows } = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${ours} and table_name like 'kysely_%' order by table_name`.execute(
      admin.db,
    );
    assert.deepEqual(
      rows.map((r) => r.table_name),
      ['kysely_migration', 'kysely_migration_lock'],
    );
  });

  it('migrates while other schemas on the server are being created and dropped', async () => {
    // Tests, and other applications, drop their schemas whenever they like: a migration must look
    // only at its own.
    const admin = await openStore(postgresUrl);
    opened.push(admin);
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        const passing = `t_churn_${suffix}_${i}`;
        await sql`create schema ${sql.id(passing)}`.execute(admin.db);
        await sql`create table ${sql.id(passing)}.t (id bigserial primary key, note text)`.execute(admin.db);
        await sql`drop schema ${sql.id(passing)} cascade`.execute(admin.db);
      }
    })();
    try {
      for (let round = 0; round < 4; round++) {
        const fresh = await Promise.all([0, 1, 2].map((n) => openStore(postgresUrl, { schema: `t_fresh_${suffix}_${round}_${n}` })));
        opened.push(...fresh);
        for (const store of fresh) freshSchemas.push(store.schema!);
        const reports = await Promise.all(fresh.map((store) => migrateToLatest(store)));
        for (const report of reports) assert.equal(report.applied.at(-1), latestMigration);
      }
    } finally {
      churning = false;
      await churn;
    }
  });

  it('says which setting is wrong when no schema in the search_path exists', async () => {
    const store = await openStore(withSearchPath(postgresUrl, missing));
    opened.push(store);
    await assert.rejects(migrateToLatest(store), { name: 'ConfigError', message: /search_path/ });
  });
});
