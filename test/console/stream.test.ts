import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { ChangeWatcher } from '../../src/console/stream.js';
import type { Store } from '../../src/store/database.js';
import { forEachStore } from '../helpers/stores.js';

// The live stream reads changes from the database, so a change written by any instance is seen.
forEachStore('console change watcher', (stores) => {
  let store: Store;
  beforeEach(async () => {
    store = await stores.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('reports each changed conversation once, including through a receipt on one of its messages', async () => {
    const watcher = new ChangeWatcher(store, (error) => assert.fail(String(error)));
    const now = Date.now();
    await store.db.insertInto('contacts').values({ id: 'ct_1', phone: '+15550001111', created_at: now, updated_at: now }).execute();
    await store.db
      .insertInto('conversations')
      .values({
        id: 'conv_1',
        contact_id: 'ct_1',
        channel: 'sim',
        local_number: '+15550100000',
        status: 'open',
        last_message_at: now - 60_000,
        created_at: now - 60_000,
        updated_at: now - 60_000,
      })
      .execute();
    assert.deepEqual(await watcher.poll(), { conversations: [], contacts: [] });

    await store.db.updateTable('conversations').set({ status: 'needs_human', updated_at: Date.now() }).execute();
    assert.deepEqual((await watcher.poll()).conversations, ['conv_1']);
    assert.deepEqual((await watcher.poll()).conversations, [], 'seen once');

    await store.db
      .insertInto('messages')
      .values({
        id: 'msg_1',
        conversation_id: 'conv_1',
        direction: 'outbound',
        channel: 'sim',
        from_number: '+15550100000',
        to_number: '+15550001111',
        body: 'hi',
        media_urls: '[]',
        provider_message_id: 'p1',
        status: 'delivered',
        provider_status: null,
        error_code: null,
        error_message: null,
        segments: 1,
        encoding: 'GSM-7',
        reply_to_id: null,
        provider_time: null,
        processed_at: null,
        created_at: now - 60_000,
        updated_at: now,
      })
      .execute();
    await store.db
      .insertInto('events')
      .values({ id: 'evt_1', type: 'message.status', occurred_at: Date.now(), contact_id: null, message_id: 'msg_1', data: '{}' })
      .execute();
    await store.db
      .insertInto('events')
      .values({ id: 'evt_2', type: 'contact.opted_out', occurred_at: Date.now(), contact_id: 'ct_1', message_id: null, data: '{}' })
      .execute();
    assert.deepEqual(await watcher.poll(), { conversations: ['conv_1'], contacts: ['ct_1'] });
  });
});
