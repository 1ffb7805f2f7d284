import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { broadcastStall, heldGraceMs } from '../src/broadcasts/stalled.js';
import type { Store } from '../src/store/database.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { genericChannel, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// A sending broadcast that makes no progress says why (GET /v1/broadcasts/:id `stalled`): its
// channel gone from the configuration, or its number held by the provider (429) for a while.

const text = 'Our opening hours change next week. Reply STOP to opt out.';
const phones = Array.from({ length: 40 }, (_, i) => `+13125${String(i).padStart(6, '0')}`);

forEachStore('broadcast stalled', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley;

  before(async () => {
    provider = await new FakeProvider().start();
  });
  after(() => provider.stop());
  beforeEach(async () => {
    store = await stores.open();
    provider.sends.length = 0;
    provider.script.length = 0;
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  const start = (name: string) =>
    startTestParley(store, provider.url, { channels: [genericChannel(provider.url, { name, send_timeout: '10s', rate_limit: 5 })] });

  it('is null while a broadcast moves, and names a channel no longer configured', async () => {
    parley = await start('main');
    const id = (await parley.api('POST', '/v1/broadcasts', { body: text, audience: { phones } })).body.id as string;
    const moving = await parley.until(async () => {
      const b = (await parley.api('GET', `/v1/broadcasts/${id}`)).body;
      return b.state === 'sending' && b.counts.sent >= 2 ? b : null;
    });
    assert.equal(moving.stalled, null);

    // Started again with the channel renamed: the broadcast's channel is gone.
    await parley.close();
    parley = await start('renamed');
    const stalled = (await parley.api('GET', `/v1/broadcasts/${id}`)).body;
    assert.equal(stalled.state, 'sending');
    assert.equal(stalled.stalled?.reason, 'channel_not_configured');
    const newest = await store.db
      .selectFrom('messages')
      .select((eb) => eb.fn.max('created_at').as('at'))
      .where('broadcast_id', '=', id)
      .executeTakeFirstOrThrow();
    assert.ok(Date.parse(stalled.stalled.since) >= Number(newest.at), `since ${stalled.stalled.since}: when it last moved`);
  });

  it("names the provider's hold on the sending number once nothing has gone for a while", async () => {
    parley = await start('main');
    provider.script.push({ status: 429, headers: { 'retry-after': '120' } });
    const id = (await parley.api('POST', '/v1/broadcasts', { body: text, audience: { phones } })).body.id as string;
    await parley.until(async () => {
      const clock = await store.db.selectFrom('sender_clocks').select('held_until').executeTakeFirst();
      return clock?.held_until !== null && clock?.held_until !== undefined;
    });
    const row = await store.db.selectFrom('broadcasts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.state, 'sending');
    // Held a moment: pacing, not a stall.
    assert.equal((await parley.api('GET', `/v1/broadcasts/${id}`)).body.stalled, null);
    const later = Date.now() + heldGraceMs + 5_000;
    const stall = await broadcastStall(store.db, parley.ctx.channels, row, later);
    assert.equal(stall?.reason, 'sender_held');
    assert.ok(stall.since <= Date.now() && stall.since >= row.created_at);
  });
});
