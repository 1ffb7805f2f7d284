import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { localMinuteOfDay } from '../src/core/quiet-hours.js';
import type { Store } from '../src/store/database.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { hhmm } from './helpers/local-time.js';
import { forEachStore } from './helpers/stores.js';

// Quiet hours over HTTP, without a fake clock: the window is chosen around the real time so that
// it is open in New York now and opens in Los Angeles (three hours behind) in two hours.

const eastern = '+12125550123';
const pacific = '+14155550123';
const minute = 60_000;

forEachStore('quiet hours', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley;

  before(async () => {
    provider = await new FakeProvider().start();
  });
  after(() => provider.stop());
  beforeEach(async () => {
    store = await stores.open();
    const east = localMinuteOfDay(Date.now(), 'America/New_York');
    parley = await startTestParley(store, provider.url, {
      outbound: { quiet_hours: { allowed: `${hhmm(east - 60)}-${hhmm(east + 60)}` }, quiet_hours_spread: '5m' },
    });
    provider.sends.length = 0;
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  it('defer a Pacific number until its window opens and send to an Eastern one at once', async () => {
    const before = Date.now();
    const east = await parley.api('POST', '/v1/messages', { to: eastern, body: 'Your order shipped.' });
    const west = await parley.api('POST', '/v1/messages', { to: pacific, body: 'Your order shipped.' });
    assert.equal(east.status, 202);
    assert.equal(east.body.status, 'queued');
    assert.equal(west.body.status, 'scheduled');
    const sendAt = Date.parse(west.body.send_at);
    assert.ok(sendAt >= before + 119 * minute && sendAt <= Date.now() + 126 * minute, `held until ${west.body.send_at}`);
    await parley.until(async () => provider.sends.some((s) => s.to === eastern));
    const release = await store.db.selectFrom('jobs').select('run_at').where('kind', '=', 'message.release').execute();
    assert.deepEqual(
      release.map((r) => Number(r.run_at)),
      [sendAt],
    );
    assert.ok(!provider.sends.some((s) => s.to === pacific));
  });

  it("read the contact's own timezone before the number's", async () => {
    await parley.api('POST', '/v1/contacts', { phone: pacific, timezone: 'America/New_York' });
    const sent = await parley.api('POST', '/v1/messages', { to: pacific, body: 'Your order shipped.' });
    assert.equal(sent.body.status, 'queued');
  });

  it('let replies to a texter who just wrote go at once, and the opt-out confirmation', async () => {
    assert.equal((await parley.webhook('inbound', inbound(pacific, 'HELP'))).status, 200);
    await parley.until(async () => provider.sends.some((s) => s.to === pacific));
    const answer = await parley.api('POST', '/v1/messages', { to: pacific, body: 'A person will call you in five minutes.' });
    assert.equal(answer.body.status, 'queued', 'a live conversation');

    const other = '+14155550199';
    await parley.webhook('inbound', inbound(other, 'STOP'));
    await parley.until(async () => provider.sends.some((s) => s.to === other));
  });

  it('hold a scheduled text whose time comes in the quiet hours', async () => {
    const scheduled = await parley.api('POST', '/v1/messages', {
      to: pacific,
      body: 'Reminder',
      send_at: new Date(Date.now() + 500).toISOString(),
    });
    assert.equal(scheduled.body.status, 'scheduled');
    const moved = await parley.until(async () => {
      const row = await store.db
        .selectFrom('messages')
        .select(['status', 'send_at'])
        .where('id', '=', scheduled.body.id)
        .executeTakeFirst();
      return row && Number(row.send_at) > Date.now() + 100 * minute ? row : null;
    });
    assert.equal(moved.status, 'scheduled');
    assert.ok(!provider.sends.some((s) => s.to === pacific));
  });
});
