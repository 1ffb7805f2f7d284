import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { configFromObject } from '../src/config.js';
import { startParley, type Parley } from '../src/server.js';
import { openStore, type Store } from '../src/store/database.js';
import { testLog } from './helpers/log.js';
import { dropSchema, postgresUrl } from './helpers/stores.js';

// database.pool_size is the most connections one Parley process opens to PostgreSQL: more
// statements at once than that wait for a connection rather than opening another.

describe('database.pool_size', { skip: postgresUrl ? false : 'no PostgreSQL server (set PARLEY_TEST_DATABASE_URL)' }, () => {
  const schema = `t_pool_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  let admin: Store;
  let parley: Parley;

  before(async () => {
    admin = await openStore(postgresUrl, { schema });
    const url = `${postgresUrl}${postgresUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const config = configFromObject(
      { server: { port: 0, host: '127.0.0.1' }, database: { url, pool_size: 3 }, api_key: 'pool-size-test-api-key-012345' },
      { env: {} },
    );
    parley = await startParley(config, { log: testLog, work: false });
  });
  after(async () => {
    await parley?.close();
    await dropSchema(admin.db, schema);
    await admin.close();
  });

  it('caps the connections a process opens', async () => {
    // Each statement holds its connection for a while, so twelve at once need twelve connections
    // unless the pool makes them wait.
    const backends = await Promise.all(
      Array.from({ length: 12 }, () =>
        sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.05)`.execute(parley.ctx.store.db).then((r) => r.rows[0]!.pid),
      ),
    );
    assert.equal(new Set(backends).size, 3);
  });
});
