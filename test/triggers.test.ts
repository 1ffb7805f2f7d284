import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { request } from 'undici';
import { newEndpointSecret, signatureHeader } from '../src/core/webhook-signature.js';
import type { Store } from '../src/store/database.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { apiKey, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// Triggers over HTTP: an appointment system's events, signed with the trigger's secret, schedule a
// reminder 24 hours ahead, move it when the appointment moves and remove it when it is cancelled;
// a retried event does nothing twice. Time is moved in the database, as in scheduled-sends.test.ts.

const secret = newEndpointSecret();
const hour = 3_600_000;
const booking = ['appointment.booked', 'appointment.rescheduled'];

const triggers = [
  {
    name: 'appointments',
    secret,
    to: 'patient.phone',
    actions: [
      { when: { field: 'type', equals: booking }, set_contact: { fields: { first_name: 'patient.first_name' }, add_tags: ['patient'] } },
      {
        when: { field: 'type', equals: booking },
        schedule: {
          template: 'reminder',
          at: 'appointment.starts_at',
          before: '24h',
          key: 'appointment.id',
          vars: { starts_at: 'appointment.starts_at' },
        },
      },
      { when: { field: 'type', equals: 'appointment.cancelled' }, cancel: { key: 'appointment.id' } },
    ],
  },
  { name: 'payments', to: 'customer.phone', actions: [{ send: { template: 'payment_failed', vars: { amount: 'payment.amount' } } }] },
];

forEachStore('triggers', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley;
  let sequence = 0;

  before(async () => {
    provider = await new FakeProvider().start();
  });
  after(() => provider.stop());
  beforeEach(async () => {
    store = await stores.open();
    parley = await startTestParley(store, provider.url, { triggers });
    provider.sends.length = 0;
    assert.equal(
      (
        await parley.api('POST', '/v1/templates', {
          name: 'reminder',
          body: 'Hi {{contact.first_name}}, see you {{vars.starts_at | datetime}}.',
        })
      ).status,
      201,
    );
    await parley.api('POST', '/v1/templates', { name: 'payment_failed', body: 'Your payment of {{vars.amount}} failed.' });
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  /** Posts an event signed with the trigger's secret (or as told). */
  const post = async (
    name: string,
    event: unknown,
    options: { id?: string; signature?: string; headers?: Record<string, string> } = {},
  ) => {
    const body = JSON.stringify(event);
    const id = options.id ?? `evt_${++sequence}`;
    const at = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = options.headers ?? {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(at),
      'webhook-signature': options.signature ?? signatureHeader([secret], id, at, body),
    };
    const res = await request(`${parley.base}/hooks/triggers/${name}`, { method: 'POST', headers, body });
    return { status: res.statusCode, body: (await res.body.json()) as any };
  };
  const appointment = (type: string, startsAt: number, extra: Record<string, unknown> = {}) => ({
    type,
    appointment: { id: 'apt_1001', starts_at: new Date(startsAt).toISOString() },
    patient: { phone: '+15557500001', first_name: 'Ann' },
    ...extra,
  });
  const message = (id: string) => store.db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const releaseJobs = async (id: string) =>
    (await store.db.selectFrom('jobs').select('id').where('group_key', '=', `release:${id}`).execute()).length;

  it('schedules a reminder 24 h before the appointment, which fires once; a retried event does nothing twice', async () => {
    const startsAt = Date.now() + 3 * 24 * hour;
    const booked = appointment('appointment.booked', startsAt);
    const res = await post('appointments', booked, { id: 'evt_booked' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.duplicate, false);
    const scheduled = res.body.actions[1];
    assert.equal(scheduled.action, 'schedule');
    assert.equal(Date.parse(scheduled.send_at), Date.parse(new Date(startsAt).toISOString()) - 24 * hour);
    assert.deepEqual(res.body.actions[2], { action: 'skipped', reason: 'when' });
    const row = await message(scheduled.message_id);
    assert.equal(row.status, 'scheduled');
    assert.match(row.body, /^Hi Ann, see you /, 'the contact was set first');
    const contact = await parley.api('GET', '/v1/contacts/+15557500001');
    assert.deepEqual(contact.body.tags, ['patient']);

    const retried = await post('appointments', booked, { id: 'evt_booked' });
    assert.equal(retried.status, 200);
    assert.equal(retried.body.duplicate, true);
    assert.equal((await store.db.selectFrom('messages').select('id').execute()).length, 1);

    // Its time comes.
    await store.db.updateTable('messages').set({ send_at: Date.now() }).where('id', '=', row.id).execute();
    await store.db.updateTable('jobs').set({ run_at: Date.now() }).where('group_key', '=', `release:${row.id}`).execute();
    await parley.until(async () => ['sent', 'delivered'].includes((await message(row.id)).status));
    assert.equal(provider.sends.length, 1);
    assert.equal(provider.sends[0]!.id, row.id);
    assert.equal(await releaseJobs(row.id), 0);
  });

  it('a rebooking moves the reminder and a cancellation removes it', async () => {
    const first = await post('appointments', appointment('appointment.booked', Date.now() + 3 * 24 * hour));
    const firstId = first.body.actions[1].message_id as string;
    const later = Date.now() + 5 * 24 * hour;
    const moved = await post('appointments', appointment('appointment.rescheduled', later));
    assert.equal(moved.status, 200);
    const movedId = moved.body.actions[1].message_id as string;
    assert.equal(moved.body.actions[1].replaced, 1);
    assert.equal((await message(firstId)).status, 'canceled');
    assert.equal(await releaseJobs(firstId), 0);
    assert.equal((await message(movedId)).send_at, Date.parse(new Date(later).toISOString()) - 24 * hour);

    const cancelled = await post('appointments', appointment('appointment.cancelled', later));
    assert.equal(cancelled.status, 200);
    assert.deepEqual(cancelled.body.actions[2], { action: 'cancel', canceled: 1 });
    assert.equal((await message(movedId)).status, 'canceled');
    assert.equal(await releaseJobs(movedId), 0);
    assert.equal((await store.db.selectFrom('jobs').select('id').where('kind', '=', 'message.release').execute()).length, 0);

    // Booked within the 24 hours: no reminder rather than one at once.
    const soon = await post('appointments', appointment('appointment.booked', Date.now() + 2 * hour));
    assert.equal(soon.body.actions[1].skipped, 'time_passed');
    assert.equal(provider.sends.length, 0);
  });

  it('refuses a bad signature with 401 and stores nothing', async () => {
    const event = appointment('appointment.booked', Date.now() + 3 * 24 * hour);
    const forged = await post('appointments', event, {
      signature: signatureHeader([newEndpointSecret()], 'evt_x', Math.floor(Date.now() / 1000), '{}'),
    });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error.code, 'invalid_signature');
    const unsigned = await post('appointments', event, { headers: { 'content-type': 'application/json' } });
    assert.equal(unsigned.status, 401);
    const wrongKey = await post(
      'payments',
      {},
      { headers: { 'content-type': 'application/json', authorization: 'Bearer nope', 'idempotency-key': 'k' } },
    );
    assert.equal(wrongKey.status, 401);
    for (const table of ['trigger_events', 'messages', 'contacts', 'unreadable_webhooks'] as const) {
      assert.equal((await store.db.selectFrom(table).selectAll().execute()).length, 0, table);
    }
    assert.equal((await post('nothing', event)).status, 404);
  });

  it('answers 422 naming a missing mapped field, does nothing, and keeps the event', async () => {
    const res = await post('appointments', {
      type: 'appointment.booked',
      appointment: { id: 'apt_1' },
      patient: { phone: '+15557500002' },
    });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, 'trigger_field_missing');
    assert.match(res.body.error.message, /"patient\.first_name", "appointment\.starts_at"/);
    assert.equal((await store.db.selectFrom('messages').selectAll().execute()).length, 0);
    assert.equal(
      (await store.db.selectFrom('trigger_events').selectAll().execute()).length,
      0,
      'the corrected event may come with the same id',
    );
    const kept = await parley.api('GET', '/v1/unreadable-webhooks');
    assert.equal(kept.body.data.length, 1);
    assert.equal(kept.body.data[0].channel, 'trigger:appointments');
    assert.equal(kept.body.error, undefined);
    assert.equal(kept.body.data[0].error.code, 'trigger_field_missing');

    const badTime = await post('appointments', appointment('appointment.booked', 0, { appointment: { id: 'a', starts_at: 'tomorrow' } }));
    assert.equal(badTime.body.error.code, 'trigger_field_invalid');
  });

  it('takes the API key with an Idempotency-Key, and sends a template at once', async () => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'idempotency-key': 'pay_77' };
    const event = { customer: { phone: '+15557500003' }, payment: { amount: '$42.00' } };
    const res = await post('payments', event, { headers });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.actions[0].action, 'send');
    assert.equal((await post('payments', event, { headers })).body.duplicate, true);
    await parley.until(async () => provider.sends.length === 1);
    assert.equal(provider.sends[0]!.body, 'Your payment of $42.00 failed.');
    const noId = await post('payments', event, { headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` } });
    assert.equal(noId.status, 400);
    const notJson = await request(`${parley.base}/hooks/triggers/payments`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': 'x' },
      body: 'not json{',
    });
    assert.equal(notJson.statusCode, 400);
    await notJson.body.dump();
  });
});
