import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import type { Store } from '../src/store/database.js';
import { apiCall } from './helpers/api-call.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// Scheduled sends, Idempotency-Key and the cursor lists, over HTTP against a real provider stand-in.
// There is no clock to wind: a test brings a scheduled message's time forward by moving its
// `send_at` and its release job's `run_at` in the database, which is all the engine reads.

const hour = 3_600_000;

forEachStore('scheduled sends, idempotency and lists', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley;

  before(async () => {
    provider = await new FakeProvider().start();
  });
  after(() => provider.stop());
  beforeEach(async () => {
    store = await stores.open();
    parley = await startTestParley(store, provider.url);
    provider.sends.length = 0;
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });
  const api = (...args: Parameters<typeof apiCall> extends [string, ...infer Rest] ? Rest : never) => apiCall(parley.base, ...args);

  const schedule = async (to: string, body: string, aheadMs = hour) => {
    const res = await api('POST', '/v1/messages', { to, body, send_at: new Date(Date.now() + aheadMs).toISOString() });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.status, 'scheduled');
    return res.body as { id: string };
  };
  /** Moves a scheduled message's time (and its release job's) to `at`. */
  const moveTo = async (id: string, at: number) => {
    await store.db.updateTable('messages').set({ send_at: at }).where('id', '=', id).execute();
    await store.db.updateTable('jobs').set({ run_at: at }).where('group_key', '=', `release:${id}`).execute();
  };
  const message = (id: string) => store.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const releaseJobs = async (id: string) =>
    (await store.db.selectFrom('jobs').select('id').where('group_key', '=', `release:${id}`).execute()).length;
  const restart = async () => {
    await parley.close();
    parley = await startTestParley(store, provider.url);
  };

  it('waits for its time, fires once, and survives a restart', async () => {
    const scheduled = await schedule('+15557100001', 'See you tomorrow');
    assert.equal(await releaseJobs(scheduled.id), 1);
    // Another text sent now goes out while the scheduled one waits.
    await api('POST', '/v1/messages', { to: '+15557100001', body: 'Booked' });
    await parley.until(async () => provider.sends.length === 1);
    assert.equal(provider.sends[0]!.body, 'Booked');
    assert.equal((await message(scheduled.id)).status, 'scheduled');

    // Parley stops; its time comes while it is down; it starts again on the same database.
    await parley.close();
    await moveTo(scheduled.id, Date.now() - 60_000);
    parley = await startTestParley(store, provider.url);
    await parley.until(async () => ['sent', 'delivered'].includes((await message(scheduled.id)).status));
    const sends = provider.sends.filter((s) => s.body === 'See you tomorrow');
    assert.equal(sends.length, 1);
    assert.equal(sends[0]!.id, scheduled.id);
    assert.equal(await releaseJobs(scheduled.id), 0, 'the release job is done');

    // A second restart finds nothing left to fire.
    await restart();
    await api('POST', '/v1/messages', { to: '+15557100001', body: 'After restart' });
    await parley.until(async () => provider.sends.some((s) => s.body === 'After restart'));
    assert.equal(provider.sends.filter((s) => s.body === 'See you tomorrow').length, 1);
  });

  it('is dropped as too_late when its time passed more than outbound.max_lateness ago, and sent late within it', async () => {
    const tooLate = await schedule('+15557100002', 'Your 9 o’clock');
    const late = await schedule('+15557100003', 'Your 10 o’clock');
    await parley.close();
    await moveTo(tooLate.id, Date.now() - 2 * hour); // default max_lateness: 1 h
    await moveTo(late.id, Date.now() - 30 * 60_000);
    parley = await startTestParley(store, provider.url);

    await parley.until(async () => (await message(tooLate.id)).status === 'failed');
    await parley.until(async () => ['sent', 'delivered'].includes((await message(late.id)).status));
    const dropped = await message(tooLate.id);
    assert.equal(dropped.error_code, 'too_late');
    assert.deepEqual(
      provider.sends.map((s) => s.body),
      ['Your 10 o’clock'],
    );
    assert.equal(await releaseJobs(tooLate.id), 0);
    // The API says so too.
    const shown = await api('GET', `/v1/messages/${tooLate.id}`);
    assert.equal(shown.body.status, 'failed');
    assert.equal(shown.body.error_code, 'too_late');
  });

  it('is canceled before its time and never sent; after its release the cancel is refused', async () => {
    const canceled = await schedule('+15557100004', 'Canceled reminder');
    const res = await api('POST', `/v1/messages/${canceled.id}/cancel`);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'canceled');
    assert.equal(await releaseJobs(canceled.id), 0, 'its release job is gone');
    assert.equal((await api('POST', `/v1/messages/${canceled.id}/cancel`)).body.error.code, 'not_cancelable');

    const released = await schedule('+15557100004', 'Released reminder');
    await moveTo(released.id, Date.now());
    await parley.until(async () => ['sent', 'delivered'].includes((await message(released.id)).status));
    const refused = await api('POST', `/v1/messages/${released.id}/cancel`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'not_cancelable');
    assert.deepEqual(
      provider.sends.map((s) => s.body),
      ['Released reminder'],
    );
    assert.equal((await message(canceled.id)).status, 'canceled');

    const missing = await api('POST', '/v1/messages/msg_nothing/cancel');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
  });

  it('answers a repeated Idempotency-Key with the first answer and sends nothing new', async () => {
    const key = { 'idempotency-key': 'order-4411-shipped' };
    const first = await api('POST', '/v1/messages', { to: '+15557100005', body: 'Shipped!' }, key);
    assert.equal(first.status, 202);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const again = await api('POST', '/v1/messages', { body: 'Shipped!', to: '+15557100005' }, key);
    assert.equal(again.status, 202);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body, 'the first answer, as it was');

    const other = await api('POST', '/v1/messages', { to: '+15557100005', body: 'Delivered!' }, key);
    assert.equal(other.status, 422);
    assert.equal(other.body.error.code, 'idempotency_key_reused');
    // The same key for another kind of request is another key.
    const scheduled = await api(
      'POST',
      '/v1/messages',
      { to: '+15557100005', body: 'Later', send_at: new Date(Date.now() + hour).toISOString() },
      { 'idempotency-key': 'failed-first' },
    );
    assert.equal(scheduled.status, 202);

    // A request that failed stored nothing, key included: the corrected retry goes through.
    const bad = await api('POST', '/v1/messages', { to: 'not a number', body: 'x' }, { 'idempotency-key': 'retry-me' });
    assert.equal(bad.status, 400);
    const good = await api('POST', '/v1/messages', { to: '+15557100006', body: 'x' }, { 'idempotency-key': 'retry-me' });
    assert.equal(good.status, 202);
    assert.equal(good.headers['idempotent-replayed'], undefined);

    assert.equal((await api('POST', '/v1/messages', { to: '+15557100006', body: 'x' }, { 'idempotency-key': 'has space' })).status, 400);

    await parley.until(async () => provider.sends.length >= 2);
    const rows = await store.db.selectFrom('messages').select(['body', 'to_number']).execute();
    assert.equal(rows.filter((r) => r.body === 'Shipped!').length, 1);
    assert.equal(rows.filter((r) => r.body === 'Delivered!').length, 0);
    await parley.until(async () => (await message(good.body.id)).status !== 'queued');
    assert.equal(provider.sends.filter((s) => s.body === 'Shipped!').length, 1);

    // Past the 24 hours, the key is free again.
    await store.db
      .updateTable('idempotency_keys')
      .set({ created_at: Date.now() - 25 * hour })
      .where('key', '=', 'order-4411-shipped')
      .execute();
    const fresh = await api('POST', '/v1/messages', { to: '+15557100005', body: 'Delivered!' }, key);
    assert.equal(fresh.status, 202);
    assert.notEqual(fresh.body.id, first.body.id);
  });

  it('lists messages by filter, in pages that lose and repeat nothing when creation times tie', async () => {
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await schedule(i % 2 === 0 ? '+15557100007' : '+15557100008', `m${i}`)).id);
    // Every one created in the same millisecond.
    await store.db.updateTable('messages').set({ created_at: 1_700_000_000_000 }).execute();

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api('GET', `/v1/messages?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      assert.ok(res.body.data.length <= 2);
      seen.push(...res.body.data.map((m: { id: string }) => m.id));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor !== null);
    assert.equal(pages, 4);
    assert.deepEqual(seen, [...made].reverse(), 'newest first, each once');

    const toOne = await api('GET', '/v1/messages?to=%2B15557100007&status=scheduled&direction=outbound&limit=500');
    assert.deepEqual(
      toOne.body.data.map((m: { body: string }) => m.body),
      ['m6', 'm4', 'm2', 'm0'],
    );
    assert.equal((await api('GET', '/v1/messages?status=sent')).body.data.length, 0);
    const window = await api('GET', '/v1/messages?since=2023-11-14T22:13:20Z&until=2023-11-14T22:13:20.001Z');
    assert.equal(window.body.data.length, 7);
    assert.equal((await api('GET', '/v1/messages?until=2023-11-14T22:13:20Z')).body.data.length, 0);

    assert.equal((await api('GET', '/v1/messages?cursor=garbage')).body.error.code, 'invalid_cursor');
    const contactsCursor = Buffer.from(JSON.stringify({ l: 'contacts', id: made[3] })).toString('base64url');
    assert.equal((await api('GET', `/v1/messages?cursor=${contactsCursor}`)).body.error.code, 'invalid_cursor');
    assert.equal((await api('GET', '/v1/messages?to=nobody')).body.error.code, 'invalid_phone_number');
    assert.equal((await api('GET', '/v1/messages?status=lost')).status, 400);
  });

  it('lists contacts by tag and field, in pages that lose and repeat nothing when creation times tie', async () => {
    const made: string[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await api('POST', '/v1/contacts', {
        phone: `+1555720000${i}`,
        fields: { city: i % 3 === 0 ? 'Paris' : 'Lyon' },
        tags: i % 2 === 0 ? ['vip'] : [],
      });
      assert.equal(res.status, 201);
      made.push(res.body.id);
    }
    await store.db.updateTable('contacts').set({ created_at: 1_700_000_000_000 }).execute();

    const all = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await api('GET', `/v1/contacts?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        seen.push(...res.body.data.map((c: { id: string }) => c.id));
        cursor = res.body.next_cursor;
      } while (cursor !== null);
      return seen;
    };
    assert.deepEqual(await all(''), [...made].reverse());
    assert.deepEqual(await all('&tag=vip'), made.filter((_, i) => i % 2 === 0).reverse());
    assert.deepEqual(await all('&field=city:Paris'), made.filter((_, i) => i % 3 === 0).reverse());
    assert.deepEqual(await all('&field=city:Paris&tag=vip'), [made[6], made[0]]);
    assert.deepEqual(await all('&phone=%2B15557200004'), [made[4]]);
    assert.equal((await api('GET', '/v1/contacts?field=nocolon')).body.error.code, 'invalid_payload');
    const messagesCursor = Buffer.from(JSON.stringify({ l: 'messages', id: made[3] })).toString('base64url');
    assert.equal((await api('GET', `/v1/contacts?cursor=${messagesCursor}`)).body.error.code, 'invalid_cursor');
  });
});
