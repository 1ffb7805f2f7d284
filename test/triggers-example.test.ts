import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { request } from 'undici';
import { patient, customer, postEvent, saveTemplates, storyEvents, type TriggerAnswer } from '../examples/triggers/story.js';
import { loadConfig } from '../src/config.js';
import { startParley, type Parley } from '../src/server.js';
import type { Store } from '../src/store/database.js';
import { loadTriggers } from '../src/triggers/definition.js';
import { testLog } from './helpers/log.js';
import { forEachStore } from './helpers/stores.js';

// The shipped triggers example, played as `npm run example:triggers` plays it: its parley.yaml, its
// triggers/ folder and templates, and the appointment and billing systems' signed events in order.

const actions = (answer: TriggerAnswer) => (answer.body.actions ?? []).filter((a) => a.action !== 'skipped');

forEachStore('the triggers example', (stores) => {
  let store: Store;
  let parley: Parley;
  let base: string;
  let apiKey: string;
  let secrets: Map<string, string>;

  beforeEach(async () => {
    store = await stores.open();
    const config = loadConfig({ path: 'examples/triggers/parley.yaml', port: 0, env: {} });
    apiKey = config.api_key!;
    secrets = new Map([...loadTriggers(config)].map(([name, t]) => [name, t.secret!]));
    parley = await startParley({ ...config, server: { ...config.server, host: '127.0.0.1' } }, { log: testLog, listen: true, store });
    base = parley.url!;
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  const outbound = async (to: string) => {
    const res = await request(`${base}/v1/messages?to=${encodeURIComponent(to)}&direction=outbound`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const { data } = (await res.body.json()) as { data: Array<{ status: string; body: string; send_at: string | null }> };
    return data.reverse();
  };

  it('books, retries, moves and cancels a reminder; a paid invoice removes its notice', async () => {
    assert.deepEqual(await saveTemplates(base, apiKey), [
      'appointment_booked',
      'appointment_reminder',
      'payment_failed',
      'payment_retry_notice',
    ]);
    const now = Date.now();
    const answers: TriggerAnswer[] = [];
    for (const step of storyEvents(now)) answers.push(await postEvent(base, secrets.get(step.trigger)!, step));
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200, 200, 200],
    );
    const [booked, retried, moved, cancelled, failed, paid] = answers as [
      TriggerAnswer,
      TriggerAnswer,
      TriggerAnswer,
      TriggerAnswer,
      TriggerAnswer,
      TriggerAnswer,
    ];

    assert.deepEqual(
      actions(booked).map((a) => a.action),
      ['set_contact', 'send', 'schedule'],
    );
    const firstReminder = actions(booked)[2]!;
    const startsAt = Date.parse((storyEvents(now)[0]!.event as { appointment: { starts_at: string } }).appointment.starts_at);
    assert.equal(Date.parse(String(firstReminder.send_at)), startsAt - 24 * 3_600_000, '24 hours before the appointment');
    assert.equal(retried.body.duplicate, true);
    assert.deepEqual(actions(retried), []);
    assert.equal(actions(moved).find((a) => a.action === 'schedule')!.replaced, 1);
    assert.deepEqual(actions(cancelled), [{ action: 'cancel', canceled: 1 }]);
    assert.deepEqual(
      actions(failed).map((a) => a.action),
      ['send', 'set_contact', 'schedule'],
    );
    assert.equal(actions(paid).find((a) => a.action === 'cancel')!.canceled, 1);

    const texts = await outbound(patient);
    assert.equal(texts.length, 3);
    assert.notEqual(texts[0]!.status, 'canceled', 'the booking confirmation goes');
    assert.deepEqual(
      texts.slice(1).map((t) => t.status),
      ['canceled', 'canceled'],
      'the first reminder replaced by the move, the second by the cancellation',
    );
    assert.match(
      texts[0]!.body,
      /^Hi Maya, you are booked at Bright Smile Dental for \w+day, \w+ \d+ at \d+:00 [AP]M\. Reply STOP to opt out\.$/,
    );
    assert.match(texts[1]!.body, /^Reminder: .* with Dr\. Okafor at Bright Smile Dental\. Reply YES to confirm or NO to reschedule\.$/);
    const billing = await outbound(customer);
    assert.equal(billing.length, 2);
    assert.match(billing[0]!.body, /your payment of \$42\.00 did not go through/);
    assert.equal(billing[1]!.status, 'canceled');

    const contact = await store.db
      .selectFrom('contacts')
      .select(['fields', 'tags'])
      .where('phone', '=', customer)
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(contact.tags), [], 'the payment_failed tag is removed once paid');
  });
});
