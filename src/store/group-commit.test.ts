import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachStore } from '../../test/helpers/stores.js';
import type { Store } from './database.js';

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
});
