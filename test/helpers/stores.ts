import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { openStore, type DialectName, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';

/** The PostgreSQL tests' server, set by scripts/test.js; empty when there is none. */
export const postgresUrl = process.env.PARLEY_TEST_DATABASE_URL ?? '';

export interface TestStore {
  dialect: DialectName;
  /** Opens a fresh, migrated database (a new SQLite file, or a new PostgreSQL schema). */
  open(): Promise<Store>;
  /** The location string for a fresh database, for tests that start a whole `parley` process. */
  location(): Promise<{ url: string; schema?: string }>;
}

let counter = 0;

/**
 * Drops a test's PostgreSQL schema. A Parley of the test that is still shutting down (or a killed
 * one whose backend has not yet noticed) may hold locks in it, and the drop then deadlocks against
 * it: it is tried again for a few seconds rather than failing the hook and leaving the rest of the
 * cleanup undone.
 */
export async function dropSchema(db: Kysely<any>, schema: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt === 20) throw error;
      await delay(250);
    }
  }
}

function sqliteStore(dir: () => string): TestStore {
  const location = async () => ({ url: join(dir(), `parley-${process.pid}-${++counter}.db`) });
  return {
    dialect: 'sqlite',
    location,
    open: async () => {
      const store = await openStore((await location()).url);
      await migrateToLatest(store);
      return store;
    },
  };
}

function postgresStore(schemas: string[]): TestStore {
  const location = async () => {
    const schema = `t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
    schemas.push(schema);
    return { url: postgresUrl, schema };
  };
  return {
    dialect: 'postgres',
    location,
    open: async () => {
      const { url, schema } = await location();
      const store = await openStore(url, { schema });
      await migrateToLatest(store);
      return store;
    },
  };
}

/**
 * Runs the same suite against SQLite and PostgreSQL: every storage behaviour is proven on both.
 * PostgreSQL is skipped, with the reason shown, only when no server is configured (never in CI:
 * scripts/test.js fails first).
 */
export function forEachStore(name: string, suite: (stores: TestStore) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const skip = dialect === 'postgres' && !postgresUrl ? 'no PostgreSQL server (set PARLEY_TEST_DATABASE_URL)' : false;
    describe(`${name} [${dialect}]`, { skip }, () => {
      let dir = '';
      const schemas: string[] = [];
      before(() => {
        dir = mkdtempSync(join(tmpdir(), 'parley-test-'));
      });
      suite(dialect === 'sqlite' ? sqliteStore(() => dir) : postgresStore(schemas));
      // Registered after the suite's own hooks, so it runs after them: hooks run in the order they
      // were registered, and a schema dropped while the suite's Parley still works in it deadlocks
      // (the drop's exclusive lock against the worker's row locks), leaving that Parley running.
      after(async () => {
        rmSync(dir, { recursive: true, force: true });
        if (schemas.length > 0) {
          const admin = await openStore(postgresUrl);
          for (const schema of schemas) await dropSchema(admin.db, schema);
          await admin.close();
        }
      });
    });
  }
}
