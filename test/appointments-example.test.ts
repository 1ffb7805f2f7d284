import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';
import { request } from 'undici';
import { Webhook } from 'standardwebhooks';
import { startBookingService, type BookingService } from '../examples/appointments/booking-service.js';
import { loadConfig } from '../src/config.js';
import { simSecret } from '../src/runtime/channels.js';
import { hmacSha256Hex } from '../src/providers/hmac.js';
import { startParley, type Parley } from '../src/server.js';
import type { Store } from '../src/store/database.js';
import { testLog } from './helpers/log.js';
import { forEachStore } from './helpers/stores.js';

// The shipped appointment example, played end to end: examples/appointments/parley.yaml and its
// flow, the example's booking service (a real HTTP server with its own JSON store), and the
// texter's side as signed webhooks on the simulator channel. Replies are read as Parley queued them.

const customer = '+15551234567';
const first = 'Your appointment is Wednesday at 3 PM. Reply YES to confirm or NO to reschedule.';
const offer = 'We have Thursday at 2 PM or Friday at 10 AM available. Reply 1 for Thursday or 2 for Friday.';

forEachStore('the appointment example', (stores) => {
  let dir: string;
  let store: Store;
  let parley: Parley;
  let booking: BookingService;
  let base: string;
  let secret: string;
  let sequence = 0;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-appointments-'));
    store = await stores.open();
    const config = loadConfig({ path: 'examples/appointments/parley.yaml', port: 0, env: {} });
    parley = await startParley(
      {
        ...config,
        server: { ...config.server, host: '127.0.0.1' },
        queue: { ...config.queue, poll_interval: 20, retry_base: 20, retry_max: 100 },
      },
      {
        log: testLog,
        listen: true,
        store,
      },
    );
    base = parley.url!;
    booking = await startBookingService({ dataFile: join(dir, 'booking.json'), secret: parley.ctx.flowSecret });
    // The booking service listens on a port of its own here rather than the example's :4100; only
    // the flow's own vars may name it (a start request cannot), so the loaded flow is pointed at it.
    parley.ctx.flows.get('appointment')!.vars.booking_url = booking.url;
    secret = await simSecret(store);
  });
  afterEach(async () => {
    await parley.close();
    await booking.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const idle = async () => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const due = await store.db.selectFrom('jobs').select('id').where('run_at', '<=', Date.now()).execute();
      if (due.length === 0) return;
      if (Date.now() > deadline) throw new Error('jobs still due after 10 s');
      await new Promise((r) => setTimeout(r, 15));
    }
  };
  /** Everything Parley has sent the customer, in order. */
  const sent = async () =>
    (
      await store.db
        .selectFrom('messages')
        .select('body')
        .where('direction', '=', 'outbound')
        .where('to_number', '=', customer)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
    ).map((m) => m.body);

  const start = async (to = customer) => {
    const res = await request(`${base}/v1/flows/appointment/start`, {
      method: 'POST',
      headers: { authorization: 'Bearer example-api-key-change-me', 'content-type': 'application/json' },
      body: JSON.stringify({ to, vars: { appointment_id: 'apt_1001' } }),
    });
    assert.equal(res.statusCode, 201, await res.body.text());
    await idle();
  };

  /** The customer texts `body`; resolves with what Parley answered to it. */
  const text = async (body: string): Promise<string[]> => {
    const before = (await sent()).length;
    const payload = JSON.stringify({ from: customer, to: '+15550100000', body, message_id: `sms-${++sequence}-${Date.now()}` });
    const res = await request(`${base}/hooks/sim/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': hmacSha256Hex(secret, payload) },
      body: payload,
    });
    assert.equal(res.statusCode, 200);
    await idle();
    return (await sent()).slice(before);
  };
  const session = async () =>
    await store.db.selectFrom('flow_sessions').selectAll().orderBy('started_at', 'desc').executeTakeFirstOrThrow();
  const appointment = () => booking.store.load().appointments.apt_1001!;

  it('NO, then 1: the booking service books Thursday at 2 PM and the session closes', async () => {
    await start();
    assert.deepEqual(await sent(), [first]);
    assert.deepEqual(await text('NO'), [offer]);
    assert.equal((await session()).step, 'offer_two');
    assert.deepEqual(await text('1'), ["Done! You're booked for Thursday at 2 PM. See you then!"]);
    assert.deepEqual([appointment().status, appointment().slot], ['rescheduled', 'thu-1400']);
    assert.equal((await session()).status, 'completed');

    const events = (
      await store.db.selectFrom('events').select(['type', 'data']).where('type', 'like', 'flow.%').orderBy('id').execute()
    ).map((e) => [e.type, (JSON.parse(e.data) as { step?: string; name?: string }).step ?? null]);
    assert.deepEqual(events, [
      ['flow.started', null],
      ['flow.step', 'confirm'],
      ['flow.step', 'offer'],
      ['flow.step', 'offer_two'],
      ['flow.step', 'book'],
      ['flow.event', 'book'],
      ['flow.completed', 'book'],
    ]);
    const contact = (
      await request(`${base}/v1/sessions?contact=${encodeURIComponent(customer)}`, {
        headers: { authorization: 'Bearer example-api-key-change-me' },
      })
    ).body;
    const listed = (await contact.json()) as { data: Array<{ flow: string; status: string }> };
    assert.deepEqual(
      listed.data.map((s) => [s.flow, s.status]),
      [['appointment', 'completed']],
    );
  });

  it('with one free slot, offers that one alone: YES books it', async () => {
    booking.store.save({ ...booking.store.load(), slots: booking.store.load().slots.filter((slot) => slot.id === 'fri-1000') });
    await start();
    assert.deepEqual(await text('NO'), [
      'We have Friday at 10 AM available. Reply YES to take it, or NO and a team member will help you find another time.',
    ]);
    assert.deepEqual(await text('yes'), ["Done! You're booked for Friday at 10 AM. See you then!"]);
    assert.deepEqual([appointment().status, appointment().slot], ['rescheduled', 'fri-1000']);
  });

  it('with one free slot, NO goes to a person', async () => {
    booking.store.save({ ...booking.store.load(), slots: booking.store.load().slots.slice(0, 1) });
    await start();
    await text('NO');
    assert.deepEqual(await text('no'), ['Thanks! A team member will text you shortly to help.']);
    assert.equal((await session()).status, 'handed_off');
    assert.equal(appointment().status, 'scheduled');
  });

  it('with no free slot, says so and hands the customer to a person', async () => {
    booking.store.save({ ...booking.store.load(), slots: [] });
    await start();
    assert.deepEqual(await text('NO'), ['Sorry, we have no other times free just now. A team member will text you shortly to find one.']);
    assert.equal((await session()).status, 'handed_off');
    for (const said of await sent()) assert.doesNotMatch(said, / or {2}available|for \./, 'no empty slot is offered');
  });

  it("another number cannot read or change the customer's appointment", async () => {
    const stranger = '+15559876543';
    await start(stranger);
    const toStranger = await store.db
      .selectFrom('messages')
      .select('body')
      .where('direction', '=', 'outbound')
      .where('to_number', '=', stranger)
      .execute();
    assert.deepEqual(
      toStranger.map((m) => m.body),
      ["Sorry, we couldn't reach our booking system just now. A team member will text you shortly."],
      "the appointment's label is never told to another number",
    );
    assert.equal(appointment().status, 'scheduled');

    // Asked directly, with Parley's signature, the booking service refuses a change for another number.
    const signer = new Webhook(parley.ctx.flowSecret);
    for (const phone of [stranger, customer]) {
      const body = JSON.stringify({ phone });
      const id = `msg_${phone}`;
      const at = new Date();
      const res = await request(`${booking.url}/appointments/apt_1001/confirm`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signer.sign(id, at, body),
        },
        body,
      });
      await res.body.dump();
      assert.equal(res.statusCode, phone === customer ? 200 : 404, phone);
      assert.equal(appointment().status, phone === customer ? 'confirmed' : 'scheduled');
    }
  });

  it('YES confirms the booking, and so does "yep"', async () => {
    await start();
    assert.deepEqual(await text('YES'), ["Thanks, you're confirmed for Wednesday at 3 PM. See you then!"]);
    assert.equal(appointment().status, 'confirmed');

    booking.store.save({ ...booking.store.load(), appointments: { apt_1001: { ...appointment(), status: 'scheduled' } } });
    await start();
    assert.deepEqual(await text('yep'), ["Thanks, you're confirmed for Wednesday at 3 PM. See you then!"]);
    assert.equal(appointment().status, 'confirmed');
  });

  it('NO, then 2 books Friday at 10 AM', async () => {
    await start();
    await text('no');
    assert.deepEqual(await text('2'), ["Done! You're booked for Friday at 10 AM. See you then!"]);
    assert.equal(appointment().slot, 'fri-1000');
  });

  it('an unclear reply gets one clarification, then a human', async () => {
    await start();
    assert.deepEqual(await text('what?'), ["Sorry, I didn't catch that. Reply YES to confirm or NO to reschedule."]);
    assert.deepEqual(await text('is there parking'), ['Thanks! A team member will text you shortly to help.']);
    assert.equal((await session()).status, 'handed_off');
    const conversation = await store.db.selectFrom('conversations').select(['status', 'needs_human_reason']).executeTakeFirstOrThrow();
    assert.deepEqual(conversation, { status: 'needs_human', needs_human_reason: 'flow' });
    assert.equal(appointment().status, 'scheduled');
  });

  it('STOP at any step ends the flow and suppresses: one confirmation, then nothing', async () => {
    await start();
    await text('NO');
    const afterStop = await text('STOP');
    assert.equal(afterStop.length, 1);
    assert.match(afterStop[0]!, /unsubscribed from Bright Smile Dental/);
    assert.equal((await session()).status, 'opted_out');
    assert.deepEqual(await text('1'), [], 'nothing is sent after STOP');
    assert.equal(appointment().status, 'scheduled', 'the booking service was not called');
  });

  it('no reply for 24 hours brings a reminder, a durable timer', async () => {
    await start();
    const moved = await store.db.updateTable('jobs').set({ run_at: Date.now() }).where('kind', '=', 'flow.wait').executeTakeFirst();
    assert.equal(moved.numUpdatedRows, 1n);
    parley.worker.wake();
    await idle();
    assert.deepEqual((await sent()).slice(1), [
      'Reminder: your appointment is Wednesday at 3 PM. Reply YES to confirm or NO to reschedule.',
    ]);
    assert.deepEqual(await text('yes'), ["Thanks, you're confirmed for Wednesday at 3 PM. See you then!"]);
  });

  it('a booking service that is down hands the customer to a human with a word of explanation', async () => {
    await booking.close();
    await start();
    assert.deepEqual(await sent(), ["Sorry, we couldn't reach our booking system just now. A team member will text you shortly."]);
    assert.equal((await session()).status, 'handed_off');
  });
});
