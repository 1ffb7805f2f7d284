import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { localMinuteOfDay } from '../src/core/quiet-hours.js';
import type { Store } from '../src/store/database.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { hhmm } from './helpers/local-time.js';
import { forEachStore } from './helpers/stores.js';

// A broadcast's page of texts is written in bulk (broadcasts/page-texts.ts) by the rules every
// outbound text follows: each recipient's outcome, its message, the recipient's state and message
// id, the conversation's activity, the refusal's event and the quiet-hours release, on both databases.

forEachStore('broadcast page texts', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley;

  before(async () => {
    provider = await new FakeProvider().start();
  });
  after(() => provider.stop());
  beforeEach(async () => {
    store = await stores.open();
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  it('sends, defers, refuses and skips each recipient as queueOutbound would, settling each with its message', async () => {
    parley = await startTestParley(store, provider.url);
    const [waits, goes, optedOut, tooLong] = ['+12125550301', '+12125550302', '+12125550303', '+12125550304'] as const;
    const contact = (phone: string, note: string, timezone?: string) =>
      parley.api('POST', '/v1/contacts', { phone, tags: ['club'], fields: { first_name: 'Sam', note }, ...(timezone ? { timezone } : {}) });
    for (const phone of [waits, optedOut]) assert.equal((await contact(phone, 'see you')).status, 201);
    // Writes in UTC, where the broadcast's window is open now; New York's is not.
    assert.equal((await contact(goes, 'see you', 'UTC')).status, 201);
    assert.equal((await contact(tooLong, 'x'.repeat(1_000))).status, 201);
    assert.equal((await parley.api('POST', '/v1/opt-outs', { phones: [optedOut] })).status, 200);
    await parley.api('POST', '/v1/templates', { name: 'club', body: 'Hi {{contact.first_name}}: {{contact.note}} {{contact.note}}' });
    // Both texters who wait or go already have a conversation, whose activity the page may move.
    for (const phone of [waits, goes]) await parley.webhook('inbound', inbound(phone, 'hello'));
    const before = await parley.until(async () => {
      const rows = await store.db
        .selectFrom('conversations as c')
        .innerJoin('contacts as k', 'k.id', 'c.contact_id')
        .select(['k.phone', 'c.last_message_at'])
        .execute();
      return rows.length === 2 ? new Map(rows.map((r) => [r.phone, Number(r.last_message_at)])) : null;
    });
    // Let the routing jobs of the inbound texts finish (they move the conversations too).
    await parley.until(async () => provider.sends.length >= 2);
    const settledBefore = new Map(
      (
        await store.db
          .selectFrom('conversations as c')
          .innerJoin('contacts as k', 'k.id', 'c.contact_id')
          .select(['k.phone', 'c.last_message_at'])
          .execute()
      ).map((r) => [r.phone, Number(r.last_message_at)]),
    );
    assert.equal(before.size, 2);

    const east = localMinuteOfDay(Date.now(), 'America/New_York');
    const started = Date.now();
    const created = await parley.api('POST', '/v1/broadcasts', {
      template: 'club',
      audience: { tag: 'club' },
      quiet_hours: { allowed: `${hhmm(east + 60)}-${hhmm(east + 420)}` },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    const done = await parley.until(async () => {
      const b = (await parley.api('GET', `/v1/broadcasts/${id}`)).body;
      return b.state === 'completed' && b.counts.sent === 1 ? b : null;
    });
    assert.equal(done.counts.total, 4);
    assert.equal(done.counts.skipped_opted_out, 1);
    assert.equal(done.counts.deferred_quiet_hours, 1);

    const recipients = await store.db
      .selectFrom('broadcast_recipients')
      .selectAll()
      .where('broadcast_id', '=', id)
      .orderBy('phone')
      .execute();
    const messages = await store.db.selectFrom('messages').selectAll().where('broadcast_id', '=', id).execute();
    const messageTo = new Map(messages.map((m) => [m.to_number, m]));
    assert.deepEqual(
      recipients.map((r) => [r.phone, r.state, r.error, r.message_id === null ? null : messageTo.get(r.phone)?.id === r.message_id]),
      [
        [waits, 'dispatched', null, true],
        [goes, 'dispatched', null, true],
        [optedOut, 'dispatched', null, true],
        [tooLong, 'skipped', 'invalid_payload', null],
      ],
    );
    assert.equal(messages.length, 3);
    assert.equal(messageTo.get(waits)!.status, 'scheduled');
    assert.ok(messageTo.get(waits)!.send_at! > started);
    assert.equal(messageTo.get(optedOut)!.status, 'failed');
    assert.equal(messageTo.get(optedOut)!.error_code, 'opted_out');
    assert.ok(['sent', 'delivered'].includes(messageTo.get(goes)!.status));
    assert.equal(messageTo.get(goes)!.body, 'Hi Sam: see you see you');
    assert.deepEqual(
      provider.sends.filter((s) => s.body.startsWith('Hi Sam')).map((s) => s.to),
      [goes],
    );

    const release = await store.db.selectFrom('jobs').select(['payload', 'run_at']).where('kind', '=', 'message.release').execute();
    assert.deepEqual(
      release.map((j) => [JSON.parse(j.payload).messageId, Number(j.run_at)]),
      [[messageTo.get(waits)!.id, messageTo.get(waits)!.send_at]],
    );
    const refusal = await store.db
      .selectFrom('events')
      .select('data')
      .where('type', '=', 'message.status')
      .where('message_id', '=', messageTo.get(optedOut)!.id)
      .execute();
    assert.deepEqual(
      refusal.map((e) => JSON.parse(e.data).error_code),
      ['opted_out'],
    );

    // A text made now moves its conversation; one that waits for quiet hours does not.
    const after = new Map(
      (
        await store.db
          .selectFrom('conversations as c')
          .innerJoin('contacts as k', 'k.id', 'c.contact_id')
          .select(['k.phone', 'c.last_message_at'])
          .execute()
      ).map((r) => [r.phone, Number(r.last_message_at)]),
    );
    assert.equal(after.get(waits), settledBefore.get(waits));
    assert.ok(after.get(goes)! >= started);
    assert.ok(after.get(optedOut)! >= started);
  });
});
