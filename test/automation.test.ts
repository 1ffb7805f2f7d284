import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import type { Store } from '../src/store/database.js';
import type { MessageRow } from '../src/store/schema.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { businessNumber, inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { whyNoReply } from '../src/hooks/simulator.js';
import { forEachStore } from './helpers/stores.js';

// Reply automation end to end: signed webhooks on the generic channel, a real local server as the
// provider's send API, the real router and worker.

forEachStore('reply automation', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley;
  let contactCounter = 0;
  let contact: string;

  before(async () => {
    provider = await new FakeProvider().start();
  });
  after(() => provider.stop());
  beforeEach(async () => {
    store = await stores.open();
    parley = await startTestParley(store, provider.url, {
      automation: { business_name: 'Acme Dental', loop_protection: { max_replies: 6 } },
    });
    provider.sends.length = 0;
    provider.script.length = 0;
    contact = `+1555200${String(1000 + ++contactCounter)}`;
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  const idle = () =>
    parley.until(async () => (await store.db.selectFrom('jobs').select('id').where('state', '!=', 'dead').execute()).length === 0);

  /** Texts Parley as the contact and waits until everything that follows has run. */
  const text = async (body: string, from = contact) => {
    const res = await parley.webhook('inbound', inbound(from, body));
    assert.equal(res.status, 200);
    await idle();
    return res.body.message_id as string;
  };
  const repliesTo = (id: string) => store.db.selectFrom('messages').selectAll().where('reply_to_id', '=', id).execute();
  const outbound = (to = contact): Promise<MessageRow[]> =>
    store.db.selectFrom('messages').selectAll().where('direction', '=', 'outbound').where('to_number', '=', to).orderBy('id').execute();
  const conversationOf = async (messageId: string) => {
    const m = await store.db.selectFrom('messages').select('conversation_id').where('id', '=', messageId).executeTakeFirstOrThrow();
    return (await parley.api('GET', `/v1/conversations/${m.conversation_id}`)).body;
  };
  const events = async (type: string) => store.db.selectFrom('events').selectAll().where('type', '=', type).execute();

  it('STOP suppresses at once, sends exactly one confirmation, and every path is refused after it', async () => {
    const stop = await text('Stop.');
    const [confirmation, ...more] = await repliesTo(stop);
    assert.equal(more.length, 0);
    assert.match(confirmation!.body, /unsubscribed from Acme Dental/);
    assert.equal(confirmation!.origin, 'compliance');
    assert.equal(confirmation!.status, 'sent');
    assert.equal((await events('contact.opted_out')).length, 1);

    const api = await parley.api('POST', '/v1/messages', { to: contact, body: 'Promo!' });
    assert.equal(api.status, 422);
    assert.equal(api.body.error.code, 'opted_out');

    const conversation = await conversationOf(stop);
    const agent = await parley.api('POST', `/v1/conversations/${conversation.id}/messages`, { body: 'Are you sure?' });
    assert.equal(agent.status, 422);

    // Automation says nothing either, and a second STOP earns no second confirmation.
    assert.deepEqual(await repliesTo(await text('sounds good')), []);
    assert.deepEqual(await repliesTo(await text('HELP')), []);
    assert.deepEqual(await repliesTo(await text('STOP')), []);
    assert.deepEqual(
      provider.sends.filter((s) => s.to === contact).map((s) => s.body),
      [confirmation!.body],
      'the confirmation is the only message the provider was ever asked to send',
    );

    const state = await parley.api('GET', `/v1/contacts/${encodeURIComponent(contact)}`);
    assert.equal(state.body.opted_out, true);
    assert.deepEqual(
      state.body.suppressed_for.map((s: any) => s.number),
      [businessNumber],
    );
    assert.deepEqual(
      state.body.consent_history.map((h: any) => [h.action, h.text]),
      [
        ['opt_out', 'Stop.'],
        ['opt_out', 'STOP'],
      ],
    );
    const optOuts = await parley.api('GET', '/v1/opt-outs');
    assert.ok(optOuts.body.data.some((o: any) => o.phone === contact));
  });

  it('imports a business opt-out list: honoured like a STOP, silent, and only the business entries can be withdrawn', async () => {
    const imported = `+1555400${String(1000 + contactCounter)}`;
    const other = `+1555401${String(1000 + contactCounter)}`;
    const added = await parley.api('POST', '/v1/opt-outs', {
      phones: [imported, contact, imported],
      reason: 'opted out with our previous provider',
    });
    assert.equal(added.status, 200);
    assert.deepEqual(added.body, { added: 2, already_opted_out: 0, number: 'all' });
    assert.equal(provider.sends.length, 0, 'an import sends no confirmation');
    assert.equal((await events('contact.opted_out')).length, 0, 'the business made the change; no event is sent back to it');

    // Honoured on every path, as a STOP is.
    const send = await parley.api('POST', '/v1/messages', { to: imported, body: 'Promo!' });
    assert.equal(send.status, 422);
    assert.equal(send.body.error.code, 'opted_out');
    assert.deepEqual(await repliesTo(await text('HELP', imported)), [], 'an opted-out number gets no answer');
    const state = await parley.api('GET', `/v1/contacts/${encodeURIComponent(imported)}`);
    assert.deepEqual(
      state.body.suppressed_for.map((s: any) => [s.number, s.source]),
      [['all', 'api']],
    );
    assert.deepEqual(
      state.body.consent_history.map((h: any) => [h.action, h.channel, h.text]),
      [['opt_out', 'api', 'opted out with our previous provider']],
    );

    // Invalid input stores nothing: one bad number refuses the whole list.
    const bad = await parley.api('POST', '/v1/opt-outs', { phones: [other, 'call me'] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_phone_number');
    assert.match(bad.body.error.message, /phones\[1\]/);
    assert.equal((await parley.api('GET', `/v1/contacts/${encodeURIComponent(other)}`)).status, 404);
    const unknownNumber = await parley.api('POST', '/v1/opt-outs', { phones: [other], number: '+18005550199' });
    assert.equal(unknownNumber.status, 400);
    assert.equal(unknownNumber.body.error.code, 'invalid_payload');

    // The contact's own STOP over an imported entry is theirs: confirmed once, and not withdrawable.
    const stop = await text('STOP');
    assert.deepEqual(
      (await repliesTo(stop)).map((m) => m.origin),
      ['compliance'],
      'the contact said STOP here for the first time: one confirmation',
    );
    const partly = await parley.api('DELETE', `/v1/opt-outs/${encodeURIComponent(contact)}`);
    assert.deepEqual(partly.body, { phone: contact, withdrawn: 1, opted_out: true });
    const stillOut = await parley.api('GET', `/v1/contacts/${encodeURIComponent(contact)}`);
    assert.equal(stillOut.body.opted_out, true, 'the contact asked for it themselves');
    assert.deepEqual(
      stillOut.body.suppressed_for.map((s: any) => s.source),
      ['contact'],
    );
    const refused = await parley.api('DELETE', `/v1/opt-outs/${encodeURIComponent(contact)}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'opted_out_by_contact');

    // The same on one number: the imported entry becomes the contact's own.
    const third = `+1555402${String(1000 + contactCounter)}`;
    assert.deepEqual((await parley.api('POST', '/v1/opt-outs', { phones: [third], number: businessNumber })).body, {
      added: 1,
      already_opted_out: 0,
      number: businessNumber,
    });
    assert.equal((await repliesTo(await text('STOP', third))).length, 1);
    assert.deepEqual(
      (await parley.api('GET', `/v1/contacts/${encodeURIComponent(third)}`)).body.suppressed_for.map((s: any) => [s.number, s.source]),
      [[businessNumber, 'contact']],
    );
    assert.equal((await parley.api('DELETE', `/v1/opt-outs/${encodeURIComponent(third)}`)).status, 409);

    // A mistaken import is withdrawn, and the history says so.
    const withdrawn = await parley.api('DELETE', `/v1/opt-outs/${encodeURIComponent(imported)}`);
    assert.deepEqual(withdrawn.body, { phone: imported, withdrawn: 1, opted_out: false });
    assert.equal((await parley.api('POST', '/v1/messages', { to: imported, body: 'Reminder' })).status, 202);
    const history = (await parley.api('GET', `/v1/contacts/${encodeURIComponent(imported)}`)).body.consent_history;
    assert.deepEqual(
      history.map((h: any) => [h.action, h.text]),
      [
        ['opt_out', 'opted out with our previous provider'],
        ['opt_in', 'withdrawn through the API'],
      ],
    );
    assert.equal((await parley.api('DELETE', `/v1/opt-outs/${encodeURIComponent(imported)}`)).status, 404);

    // The contact's own START lifts an imported entry too: it is their consent to give.
    await parley.api('POST', '/v1/opt-outs', { phones: [imported] });
    await text('START', imported);
    assert.equal((await parley.api('GET', `/v1/contacts/${encodeURIComponent(imported)}`)).body.opted_out, false);
  });

  it('free-text revocations opt out; false friends do not', async () => {
    const revoked = await text('please stop texting me');
    assert.equal((await repliesTo(revoked))[0]?.origin, 'compliance');

    const other = `+1555300${String(1000 + contactCounter)}`;
    for (const body of ['Stop by later?', "I can't stop laughing", 'The end of the street is closed']) {
      await text(body, other);
    }
    const state = await parley.api('GET', `/v1/contacts/${encodeURIComponent(other)}`);
    assert.equal(state.body.opted_out, false);
  });

  it('START restores messaging with a welcome back', async () => {
    await text('STOP');
    const start = await text('START');
    const [welcome] = await repliesTo(start);
    assert.match(welcome!.body, /subscribed to Acme Dental again/);
    assert.equal((await events('contact.opted_in')).length, 1);
    assert.equal((await parley.api('POST', '/v1/messages', { to: contact, body: 'Reminder' })).status, 202);
    assert.equal((await parley.api('GET', `/v1/contacts/${encodeURIComponent(contact)}`)).body.opted_out, false);
  });

  it('YES is only an opt-in for a contact who opted out', async () => {
    await text('STOP');
    const yes = await text('YES');
    assert.match((await repliesTo(yes))[0]!.body, /subscribed to Acme Dental again/);
  });

  it('HELP answers with the help text and asks for a human', async () => {
    const help = await text('help');
    assert.match((await repliesTo(help))[0]!.body, /^You've reached Acme Dental\. Reply to this message/);
    const conversation = await conversationOf(help);
    assert.equal(conversation.status, 'needs_human');
    assert.equal(conversation.needs_human_reason, 'help');
  });

  it('confirm and decline rules answer what people really type', async () => {
    for (const body of ['YES', 'yep', 'Sure!', '👍', "I'll be there"]) {
      const id = await text(body);
      assert.equal((await repliesTo(id))[0]?.body, 'Thanks, you are confirmed!', body);
    }
    const no = await text("can't make it");
    assert.match((await repliesTo(no))[0]!.body, /find another time/);
    assert.equal((await conversationOf(no)).needs_human_reason, 'rule');
    const matched = (await events('rule.matched')).map((e) => JSON.parse(e.data).event);
    assert.deepEqual(matched, ['confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed', 'declined']);
  });

  it('an unrecognized reply is acknowledged once and waits for a human, who answers and closes', async () => {
    const first = await text('what time was it again?');
    assert.match((await repliesTo(first))[0]!.body, /A team member will follow up/);
    const second = await text('hello??');
    assert.deepEqual(await repliesTo(second), [], 'no second acknowledgment');
    assert.equal((await events('conversation.needs_human')).length, 1);

    const queue = await parley.api('GET', '/v1/conversations?status=needs_human');
    const waiting = queue.body.data.find((c: any) => c.contact_phone === contact);
    assert.equal(waiting.needs_human_reason, 'unrecognized');

    const reply = await parley.api('POST', `/v1/conversations/${waiting.id}/messages`, { body: 'It is at 3 PM.' });
    assert.equal(reply.status, 202);
    assert.equal(reply.body.origin, 'agent');
    await idle();
    assert.ok(provider.sends.some((s) => s.body === 'It is at 3 PM.' && s.to === contact));

    assert.equal((await parley.api('POST', `/v1/conversations/${waiting.id}/close`)).body.status, 'closed');
    assert.equal((await events('conversation.closed')).length, 1);
    const after = await parley.api('GET', '/v1/conversations?status=needs_human');
    assert.ok(!after.body.data.some((c: any) => c.id === waiting.id));
  });

  it('a STOP wins over sends already queued: they are refused when their turn comes', async () => {
    provider.script.push({ status: 200, delayMs: 400 });
    const queued: string[] = [];
    for (const body of ['one', 'two', 'three']) queued.push((await parley.api('POST', '/v1/messages', { to: contact, body })).body.id);
    await parley.until(
      async () =>
        (await store.db.selectFrom('messages').select('status').where('id', '=', queued[0]!).executeTakeFirst())?.status === 'sending',
    );
    await text('STOP');
    await parley.until(async () => provider.sends.filter((s) => s.to === contact).length === 2);
    await idle();

    const rows = await outbound();
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.equal(byId.get(queued[0]!)!.status, 'sent', 'already with the provider when STOP arrived');
    for (const id of queued.slice(1)) {
      assert.equal(byId.get(id)!.status, 'failed');
      assert.equal(byId.get(id)!.error_code, 'opted_out');
    }
    assert.deepEqual(
      provider.sends.filter((s) => s.to === contact).map((s) => s.body),
      ['one', rows.find((r) => r.origin === 'compliance')!.body],
    );
  });

  it('stops answering a contact that answers every message, but never holds back the opt-out confirmation', async () => {
    for (let i = 0; i < 8; i++) await text('yes');
    const automated = (await outbound()).filter((m) => m.origin === 'automation');
    assert.equal(automated.length, 6, 'loop protection stops at max_replies');
    const loop = (await events('conversation.needs_human')).map((e) => JSON.parse(e.data).reason);
    assert.deepEqual(loop, ['auto_reply_loop']);

    const stop = await text('STOP');
    assert.equal((await repliesTo(stop))[0]?.origin, 'compliance');
  });

  it('pauses automatic replies in a conversation already waiting for a person: the reason becomes auto_reply_loop, and why is told', async () => {
    // "can't make it" matches the decline rule, which replies and hands off (reason "rule").
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(await text("can't make it"));
    assert.equal((await outbound()).filter((m) => m.origin === 'automation').length, 6);
    const conversation = await conversationOf(ids[7]!);
    assert.equal(conversation.status, 'needs_human');
    assert.equal(conversation.needs_human_reason, 'auto_reply_loop');
    const reasons = (await events('conversation.needs_human')).map((e) => JSON.parse(e.data).reason);
    assert.deepEqual(reasons, ['rule', 'auto_reply_loop'], 'the pause is told once, after the hand-off');

    assert.deepEqual(await repliesTo(ids[7]!), []);
    const why = await whyNoReply(store.db, parley.ctx.config, ids[7]!);
    assert.equal(why.reason, 'auto_reply_loop');
    assert.match(why.message, /automation\.loop_protection/);
    await text('STOP');
    assert.equal((await whyNoReply(store.db, parley.ctx.config, await text('hello?'))).reason, 'opted_out');
  });

  it('reports how people answer each message, with the replies that confuse them', async () => {
    const reminder = 'Your appointment is Wednesday at 3 PM. Reply YES to confirm or NO to reschedule.';
    const people = [contact, `+1555400${String(1000 + contactCounter)}`, `+1555500${String(1000 + contactCounter)}`];
    for (const to of people) assert.equal((await parley.api('POST', '/v1/messages', { to, body: reminder })).status, 202);
    await idle();
    await text('YES', people[0]);
    await text('What time again?', people[1]);
    await text('what time again', people[2]);

    const report = await parley.api('GET', '/v1/analytics/replies');
    assert.equal(report.status, 200);
    const forReminder = report.body.data.find((d: any) => d.prompt === reminder);
    assert.equal(forReminder.replies, 3);
    assert.deepEqual(forReminder.intents, [
      { intent: 'unknown', count: 2, share: 0.667 },
      { intent: 'confirm', count: 1, share: 0.333 },
    ]);
    assert.deepEqual(forReminder.top_unrecognized, [{ text: 'What time again?', count: 2, share: 0.667 }]);
    assert.equal((await parley.api('GET', '/v1/analytics/replies?since=yesterday')).status, 400);
    // RFC 3339 allows a leap second; it is read as the last millisecond before the next minute.
    const leap = await parley.api('GET', '/v1/analytics/replies?since=2016-12-31T23:59:60Z');
    assert.equal(leap.status, 200, JSON.stringify(leap.body));
    assert.equal(leap.body.since, '2016-12-31T23:59:59.999Z');
    assert.equal(leap.body.data.find((d: any) => d.prompt === reminder).replies, 3);
    const future = await parley.api('GET', '/v1/analytics/replies?since=2999-12-31T18:59:60-05:00');
    assert.deepEqual([future.status, future.body.since, future.body.replies], [200, '2999-12-31T23:59:59.999Z', 0]);
  });
});
