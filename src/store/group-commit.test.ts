import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { forEachStore } from '../../test/helpers/stores.js';
import type { Store } from './database.js';
import { WriteLock } from './write-lock.js';

forEachStore('store.write', (stores) => {
  let store: Store;
  before(async () => {
    store = await stores.open();
  });
  after(() => store.close());

  const put = (key: string) => (trx: Parameters<Parameters<Store['write']>[0]>[0]) =>
    trx.insertInto('settings').values({ key, value: 'v' }).execute();

  it('commits concurrent writes, and a failing one rolls back alone with its own error', async () => {
    const boom = new Error('boom');
    const results = await Promise.allSettled([
      store.write(async (trx) => {
        await put('a')(trx);
        return 'a';
      }),
      store.write(async (trx) => {
        await put('half-done')(trx);
        throw boom;
      }),
      store.write(async (trx) => {
        await put('c')(trx);
        return 'c';
      }),
    ]);
    assert.deepEqual(results[0], { status: 'fulfilled', value: 'a' });
    assert.deepEqual(results[1], { status: 'rejected', reason: boom });
    assert.deepEqual(results[2], { status: 'fulfilled', value: 'c' });
    const keys = (await store.db.selectFrom('settings').select('key').execute()).map((r) => r.key).sort();
    assert.deepEqual(keys, ['a', 'c'], 'the failed write left nothing behind');
  });

  it('resolves each writer with its own value across many batches', async () => {
    const values = await Promise.all(Array.from({ length: 600 }, (_, i) => store.write(async (trx) => (await put(`k${i}`)(trx), i))));
    assert.deepEqual(
      values,
      Array.from({ length: 600 }, (_, i) => i),
    );
  });

  it('on SQLite, commits what it has when another thread waits for the write lock, and runs the rest next', async (t) => {
    if (!store.writeLock) return t.skip('PostgreSQL has no write lock');
    // Another thread's connection, sharing the lock the way a job thread does.
    const otherThread = new WriteLock(store.writeLock.buffer);
    let started = 0;
    const slowPut = (i: number) =>
      store.write(async (trx) => {
        started++;
        await delay(6);
        await put(`slow${i}`)(trx);
      });
    const writes = Array.from({ length: 6 }, (_, i) => slowPut(i));
    while (started === 0) await delay(1);
    const release = await otherThread.acquire();
    const committedAtItsTurn = (await store.db.selectFrom('settings').select('key').where('key', 'like', 'slow%').execute()).length;
    release();
    await Promise.all(writes);
    assert.ok(committedAtItsTurn > 0 && committedAtItsTurn < 6, `it got its turn after ${committedAtItsTurn} of 6 writes`);
    const all = await store.db.selectFrom('settings').select('key').where('key', 'like', 'slow%').execute();
    assert.equal(all.length, 6, 'the rest committed afterwards');
  });
});
