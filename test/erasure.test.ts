import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import type { Store } from '../src/store/database.js';
import type { Database } from '../src/store/schema.js';
import { FakeEndpoint } from './helpers/fake-endpoint.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// Erasing a contact over the API, end to end: after real texts, replies, receipts, rules and event
// deliveries, no table holds the contact's number any more (only an opt-out's suppression and its
// consent history stay), and everyone else's records are untouched.

const tables: Array<keyof Database> = [
  'contacts',
  'conversations',
  'messages',
  'webhook_receipts',
  'unreadable_webhooks',
  'status_receipts',
  'outbound_part_ids',
  'inbound_part_sets',
  'inbound_parts',
  'events',
  'jobs',
  'suppressions',
  'consent_changes',
  'endpoints',
  'deliveries',
  'delivery_attempts',
  'delivery_order_heads',
  'flow_sessions',
  'settings',
];

/** Every table holding a row in which the number appears, with or without its "+". */
async function tablesMentioning(store: Store, phone: string): Promise<string[]> {
  const found: string[] = [];
  for (const table of tables) {
    const rows = await store.db.selectFrom(table).selectAll().execute();
    if (rows.some((row) => JSON.stringify(row).includes(phone.slice(1)))) found.push(table);
  }
  return found;
}

forEachStore('contact erasure', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let endpoint: FakeEndpoint;
  let parley: TestParley;
  let counter = 0;
  let erased: string;
  let other: string;

  before(async () => {
    provider = await new FakeProvider().start();
    endpoint = await new FakeEndpoint().start();
  });
  after(async () => {
    await provider.stop();
    await endpoint.stop();
  });
  beforeEach(async () => {
    store = await stores.open();
    parley = await startTestParley(store, provider.url, {
      webhooks: { allow_private_destinations: true },
      automation: { rules: [{ keywords: ['hours'], reply: 'We are open 9 to 5.', event: 'asked_hours', set_fields: { asked: 'yes' } }] },
    });
    assert.equal((await parley.api('POST', '/v1/endpoints', { url: endpoint.url, ordered: true })).status, 201);
    erased = `+1555700${String(1000 + ++counter)}`;
    other = `+1555701${String(1000 + counter)}`;
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  const settled = () =>
    parley.until(async () => {
      const busy = await store.db.selectFrom('jobs').select('id').where('state', '!=', 'dead').execute();
      const undelivered = await store.db.selectFrom('deliveries').select('id').where('status', 'in', ['pending', 'waiting']).execute();
      return busy.length === 0 && undelivered.length === 0;
    });

  /** Texts, replies with a delivered receipt, an API send, and events delivered to the endpoint. */
  async function history(phone: string): Promise<void> {
    for (const body of ['hours', 'something else']) assert.equal((await parley.webhook('inbound', inbound(phone, body))).status, 200);
    assert.equal((await parley.api('POST', '/v1/messages', { to: phone, body: 'Your appointment is tomorrow' })).status, 202);
    await settled();
    const sent = await store.db
      .selectFrom('messages')
      .select('provider_message_id')
      .where('to_number', '=', phone)
      .where('provider_message_id', 'is not', null)
      .execute();
    assert.ok(sent.length >= 2);
    for (const { provider_message_id } of sent)
      assert.equal((await parley.webhook('status', { message_id: provider_message_id, status: 'delivered' })).status, 200);
    await settled();
  }

  it('removes every row that holds the number, and nothing of anyone else', async () => {
    await history(erased);
    await history(other);
    assert.deepEqual(
      await tablesMentioning(store, erased),
      ['contacts', 'messages', 'webhook_receipts', 'events'],
      'the history reached the tables that hold the number',
    );
    const othersBefore = await store.db
      .selectFrom('messages')
      .select('id')
      .where((eb) => eb.or([eb('from_number', '=', other), eb('to_number', '=', other)]))
      .execute();

    const res = await parley.api('DELETE', `/v1/contacts/${encodeURIComponent(erased)}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.kept_opt_out, false);
    assert.equal(res.body.erased.messages, 5, 'two texts, two automatic replies, one API send');
    assert.equal(res.body.erased.conversations, 1);
    assert.ok(res.body.erased.events > 0 && res.body.erased.deliveries === res.body.erased.events, 'each event had one delivery');

    assert.deepEqual(await tablesMentioning(store, erased), []);
    // Nothing left pointing at what went: conversations, deliveries, their attempts.
    assert.deepEqual(await store.db.selectFrom('conversations').select('id').where('contact_id', '=', res.body.contact_id).execute(), []);
    const orphanDeliveries = await store.db
      .selectFrom('deliveries')
      .select('id')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('events').select('events.id').whereRef('events.id', '=', 'deliveries.event_id'))))
      .execute();
    assert.deepEqual(orphanDeliveries, []);
    const orphanAttempts = await store.db
      .selectFrom('delivery_attempts')
      .select('id')
      .where((eb) =>
        eb.not(
          eb.exists(eb.selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.id', '=', 'delivery_attempts.delivery_id')),
        ),
      )
      .execute();
    assert.deepEqual(orphanAttempts, []);
    const othersAfter = await store.db
      .selectFrom('messages')
      .select('id')
      .where((eb) => eb.or([eb('from_number', '=', other), eb('to_number', '=', other)]))
      .execute();
    assert.deepEqual(othersAfter, othersBefore);
    assert.ok((await tablesMentioning(store, other)).includes('events'));
    assert.equal((await parley.api('GET', `/v1/contacts/${encodeURIComponent(erased)}`)).status, 404);
    assert.equal((await parley.api('DELETE', `/v1/contacts/${encodeURIComponent(erased)}`)).status, 404);

    // A later text from the number is a new contact, answered as any other.
    assert.equal((await parley.webhook('inbound', inbound(erased, 'hours'))).status, 200);
    await settled();
    const fresh = await parley.api('GET', `/v1/contacts/${encodeURIComponent(erased)}`);
    assert.notEqual(fresh.body.id, res.body.contact_id);
  });

  it('also erases a text that arrived but was not routed yet, and the job that would route it', async () => {
    await history(erased);
    await parley.worker.stop();
    assert.equal((await parley.webhook('inbound', inbound(erased, 'one more thing'))).status, 200);
    const waiting = await store.db
      .selectFrom('messages')
      .select(['id', 'conversation_id'])
      .where('body', '=', 'one more thing')
      .executeTakeFirstOrThrow();
    assert.equal(waiting.conversation_id, null, 'stored, not routed');

    const res = await parley.api('DELETE', `/v1/contacts/${encodeURIComponent(erased)}`);
    assert.equal(res.body.erased.messages, 6);
    assert.equal(res.body.erased.jobs, 1, 'the routing job');
    assert.deepEqual(await tablesMentioning(store, erased), []);
  });

  it('keeps an opt-out: the number stays suppressed, with its consent history and nothing else', async () => {
    await history(erased);
    assert.equal((await parley.webhook('inbound', inbound(erased, 'STOP'))).status, 200);
    await settled();

    const res = await parley.api('DELETE', `/v1/contacts/${encodeURIComponent(erased)}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.kept_opt_out, true);
    assert.deepEqual((await tablesMentioning(store, erased)).sort(), ['consent_changes', 'suppressions']);

    const send = await parley.api('POST', '/v1/messages', { to: erased, body: 'Come back!' });
    assert.equal(send.status, 422);
    assert.equal(send.body.error.code, 'opted_out');
    const sendsBefore = provider.sends.length;
    assert.equal((await parley.webhook('inbound', inbound(erased, 'hours'))).status, 200);
    await settled();
    assert.equal(provider.sends.length, sendsBefore, 'an opted-out number gets no answer, erased or not');
  });
});
