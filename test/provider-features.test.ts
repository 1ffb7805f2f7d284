import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { request } from 'undici';
import type { Store } from '../src/store/database.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { apiKey, businessNumber, genericChannel, inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// What real providers need of the engine, exercised through the generic channel: messages in
// parts, receipts per part, per-message callback URLs, a provider's own opt-out list, and the
// channel's source and signature settings.

forEachStore('provider features over HTTP', (stores) => {
  let store: Store;
  let provider: FakeProvider;
  let parley: TestParley | undefined;

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
    await parley?.close();
    parley = undefined;
    await store.close();
  });

  const start = async (channel: Record<string, unknown> = {}) => {
    parley = await startTestParley(store, provider.url, { channels: [genericChannel(provider.url, channel)] });
    return parley;
  };
  const idle = () =>
    parley!.until(
      async () =>
        (await store.db.selectFrom('jobs').select('id').where('state', '!=', 'dead').where('kind', '!=', 'inbound.assemble').execute())
          .length === 0,
    );
  const inboundMessages = () => store.db.selectFrom('messages').selectAll().where('direction', '=', 'inbound').execute();
  const part = (from: string, reference: string, index: number, total: number, body: string, id = `${reference}-p${index}`) =>
    inbound(from, body, { message_id: id, part: { reference, index, total } });

  it('joins a message delivered in parts, out of order and with a retry, and routes it once', async () => {
    const p = await start();
    const from = '+15551230001';
    const third = await p.webhook('inbound', part(from, 'r7', 3, 3, ' at 3 PM'));
    assert.deepEqual([third.status, third.body.message_id, third.body.duplicate], [200, '', false]);
    await p.webhook('inbound', part(from, 'r7', 1, 3, 'Can we move it to Thursday'));
    const retry = await p.webhook('inbound', part(from, 'r7', 1, 3, 'Can we move it to Thursday'));
    assert.equal(retry.body.duplicate, true);
    assert.equal((await inboundMessages()).length, 0, 'nothing is routed before every part is in');

    const last = await p.webhook('inbound', part(from, 'r7', 2, 3, ' afternoon'));
    assert.equal(last.status, 200);
    assert.match(last.body.message_id, /^msg_/);
    await idle();
    const messages = await inboundMessages();
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.body, 'Can we move it to Thursday afternoon at 3 PM');
    assert.equal(messages[0]!.provider_message_id, 'r7-p1');
    assert.notEqual(messages[0]!.processed_at, null);

    const late = await p.webhook('inbound', part(from, 'r7', 2, 3, ' afternoon'));
    assert.deepEqual([late.status, late.body.duplicate, late.body.message_id], [200, true, messages[0]!.id]);
    await idle();
    assert.equal((await inboundMessages()).length, 1, "a part's late retry is not a new message");
    assert.equal(provider.sends.length, 1, 'one acknowledgment, not one per part');
  });

  it('routes the parts that came when the last one never does', async () => {
    const p = await start();
    await p.webhook('inbound', part('+15551230002', 'r9', 1, 2, 'Running late, '));
    assert.equal((await inboundMessages()).length, 0);
    // The wait is ten minutes; bring its timer forward instead of waiting.
    const moved = await store.db.updateTable('jobs').set({ run_at: Date.now() }).where('kind', '=', 'inbound.assemble').executeTakeFirst();
    assert.equal(moved.numUpdatedRows, 1n);
    p.worker.wake();
    const [message] = await p.until(async () => {
      const rows = await inboundMessages();
      return rows.length > 0 && rows;
    });
    assert.equal(message!.body, 'Running late, ');
  });

  it('cuts a joined message at 40,000 characters, never inside a character, and routes it', async () => {
    const p = await start();
    const from = '+15551230004';
    // 20,000 + 19,999 + an emoji (two UTF-16 units) across the limit + more: 60,001 characters sent.
    await p.webhook('inbound', part(from, 'r3', 1, 3, `STOP. ${'a'.repeat(19_994)}`));
    await p.webhook('inbound', part(from, 'r3', 2, 3, `${'b'.repeat(19_999)}😀c`));
    const last = await p.webhook('inbound', part(from, 'r3', 3, 3, 'd'.repeat(20_000)));
    assert.equal(last.status, 200);
    await idle();
    const [message] = await inboundMessages();
    assert.equal(message!.body, `STOP. ${'a'.repeat(19_994)}${'b'.repeat(19_999)}`);
    assert.notEqual(message!.processed_at, null);
    const suppressed = await store.db.selectFrom('suppressions').select('phone').where('phone', '=', from).execute();
    assert.equal(suppressed.length, 1, 'the STOP that starts it is read');
  });

  it('refuses a part whose index is past the total', async () => {
    const p = await start();
    const res = await p.webhook('inbound', part('+15551230003', 'r1', 3, 2, 'x'));
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_payload');
  });

  const sendOne = async (p: TestParley, body: string) => {
    const res = await p.api('POST', '/v1/messages', { to: '+15551230010', body });
    assert.equal(res.status, 202);
    return p.until(async () =>
      store.db
        .selectFrom('messages')
        .selectAll()
        .where('id', '=', res.body.id)
        .where('provider_message_id', 'is not', null)
        .executeTakeFirst(),
    );
  };
  const statusOf = async (id: string) =>
    (await store.db.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  it('is delivered once every part is, and failed as soon as one part fails', async () => {
    const p = await start();
    const message = await sendOne(p, 'Two parts');
    const receipt = (part: string, status: string, n: string) => ({
      message_id: message.provider_message_id,
      status,
      part: { id: part, total: 2 },
      notification_id: n,
    });
    await p.webhook('status', receipt('1', 'delivered', 'n1'));
    await p.webhook('status', receipt('1', 'delivered', 'n1')); // the gateway's retry
    await idle();
    assert.equal(await statusOf(message.id), 'sent', 'one part of two is not a delivered message');
    await p.webhook('status', receipt('2', 'delivered', 'n2'));
    await p.until(async () => (await statusOf(message.id)) === 'delivered');

    const other = await sendOne(p, 'Two parts again');
    await p.webhook('status', { message_id: other.provider_message_id, status: 'delivered', part: { id: '1', total: 2 } });
    await p.webhook('status', {
      message_id: other.provider_message_id,
      status: 'failed',
      part: { id: '2', total: 2 },
      error_code: '30003',
    });
    await p.until(async () => (await statusOf(other.id)) === 'failed');
  });

  it('matches receipts for every part of a text the provider reports under one id per part', async () => {
    const p = await start();
    provider.script.push({ status: 200, body: { message_id: 'vp-1', part_ids: ['vp-1', 'vp-2', 'vp-3'] } });
    const res = await p.api('POST', '/v1/messages', { to: '+15551230014', body: 'Three parts' });
    const id: string = res.body.id;
    await p.until(async () => (await statusOf(id)) === 'sent');
    // The last part's receipt first: parts are reported in any order.
    await p.webhook('status', { message_id: 'vp-3', status: 'delivered' });
    await p.webhook('status', { message_id: 'vp-1', status: 'delivered' });
    await idle();
    assert.equal(await statusOf(id), 'sent', 'two parts of three are not a delivered message');
    const pending = await store.db.selectFrom('status_receipts').select('id').where('applied_at', 'is', null).execute();
    assert.equal(pending.length, 0, "every part's receipt found the message");
    await p.webhook('status', { message_id: 'vp-2', status: 'delivered' });
    await p.until(async () => (await statusOf(id)) === 'delivered');

    provider.script.push({ status: 200, body: { message_id: 'vq-1', part_ids: ['vq-1', 'vq-2'] } });
    const other = (await p.api('POST', '/v1/messages', { to: '+15551230014', body: 'Two parts' })).body.id as string;
    await p.until(async () => (await statusOf(other)) === 'sent');
    await p.webhook('status', { message_id: 'vq-2', status: 'failed', error_code: '30003' });
    await p.until(async () => (await statusOf(other)) === 'failed');
    await p.webhook('status', { message_id: 'vq-1', status: 'delivered' });
    await idle();
    assert.equal(await statusOf(other), 'failed', 'one failed part fails the message for good');
  });

  it('honours an opt-out the provider reports in a receipt: the contact is suppressed and their flows end', async () => {
    const flows = mkdtempSync(join(tmpdir(), 'parley-flows-'));
    writeFileSync(
      join(flows, 'confirm.yaml'),
      'start: ask\nsteps:\n  ask:\n    say: "Reminder: Friday at 9 AM. Reply YES to confirm."\n    replies: [{ intent: confirm, goto: done }]\n  done: { say: "Thanks!", end: true }\n',
    );
    parley = await startTestParley(store, provider.url, { channels: [genericChannel(provider.url)], flows: { dir: flows } });
    const p = parley;
    const started = await p.api('POST', '/v1/flows/confirm/start', { to: '+15551230015' });
    assert.equal(started.status, 201);
    const id = (
      await p.until(async () => store.db.selectFrom('messages').select('id').where('to_number', '=', '+15551230015').executeTakeFirst())
    ).id;
    await p.until(async () => (await statusOf(id)) === 'sent');
    const row = await store.db.selectFrom('messages').select('provider_message_id').where('id', '=', id).executeTakeFirstOrThrow();
    const blocked = { message_id: row.provider_message_id, status: 'failed', error_code: '9', recipient_opted_out: true };
    await p.webhook('status', blocked);
    await p.until(async () => (await statusOf(id)) === 'failed');
    const suppression = await store.db.selectFrom('suppressions').selectAll().where('phone', '=', '+15551230015').executeTakeFirst();
    assert.equal(suppression?.scope, businessNumber);
    const history = await store.db
      .selectFrom('consent_changes')
      .select(['action', 'message_id', 'text'])
      .where('phone', '=', '+15551230015')
      .execute();
    assert.deepEqual(
      history.map((h) => [h.action, h.message_id]),
      [['opt_out', id]],
    );
    assert.match(history[0]!.text, /provider reports the recipient opted out/);
    assert.equal((await store.db.selectFrom('events').select('id').where('type', '=', 'contact.opted_out').execute()).length, 1);
    const again = await p.api('POST', '/v1/messages', { to: '+15551230015', body: 'Hello?' });
    assert.deepEqual([again.status, again.body.error.code], [422, 'opted_out']);
    assert.equal(provider.sends.length, 1, 'nothing else went out, not even a confirmation');
    const session = await store.db
      .selectFrom('flow_sessions')
      .select(['status'])
      .where('phone', '=', '+15551230015')
      .executeTakeFirstOrThrow();
    assert.equal(session.status, 'opted_out');

    // A plain failure is not an opt-out.
    const other = (await p.api('POST', '/v1/messages', { to: '+15551230016', body: 'Reminder' })).body.id as string;
    await p.until(async () => (await statusOf(other)) === 'sent');
    const otherRow = await store.db.selectFrom('messages').select('provider_message_id').where('id', '=', other).executeTakeFirstOrThrow();
    await p.webhook('status', { message_id: otherRow.provider_message_id, status: 'failed', error_code: '30003' });
    await p.until(async () => (await statusOf(other)) === 'failed');
    // The status and any suppression are written in one transaction: there is nothing more to wait for.
    assert.equal(
      await store.db.selectFrom('suppressions').select('phone').where('phone', '=', '+15551230016').executeTakeFirst(),
      undefined,
    );
  });

  it("finds a receipt's message by Parley's id in the callback URL before the send call has answered", async () => {
    const p = await start({ public_url: 'https://sms.example.com' });
    provider.script.push({ status: 200, body: { message_id: 'slow-1' }, delayMs: 1_500 });
    const res = await p.api('POST', '/v1/messages', { to: '+15551230011', body: 'Your appointment is confirmed.' });
    const id: string = res.body.id;
    await p.until(async () => (await statusOf(id)) === 'sending');

    const early = await p.webhook('status', { message_id: 'slow-1', status: 'delivered' }, { query: `?parley_id=${id}` });
    assert.equal(early.status, 200);
    await p.until(async () => (await statusOf(id)) === 'delivered', 1_400);
    assert.equal(provider.sends.length, 0, 'delivered while the send call was still waiting for its answer');

    const sent = await p.until(async () => provider.sends[0]);
    assert.equal(sent.status_url, `https://sms.example.com/hooks/main/status?parley_id=${id}`);
    await idle();
    assert.equal(await statusOf(id), 'delivered', 'the late send answer does not move it back');
    const row = await store.db.selectFrom('messages').select('provider_message_id').where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.provider_message_id, 'slow-1');
  });

  it("finds a receipt's message by Parley's id echoed in the receipt itself", async () => {
    const p = await start();
    provider.script.push({ status: 200, body: { message_id: 'slow-2' }, delayMs: 1_000 });
    const id: string = (await p.api('POST', '/v1/messages', { to: '+15551230017', body: 'See you Monday.' })).body.id;
    await p.until(async () => (await statusOf(id)) === 'sending');
    await p.webhook('status', { message_id: 'slow-2', status: 'delivered', parley_id: id });
    await p.until(async () => (await statusOf(id)) === 'delivered', 900);
    assert.equal(provider.sends.length, 0, 'delivered while the send call was still waiting for its answer');
    await p.webhook('status', { message_id: 'other', status: 'failed', parley_id: 'not-a-parley-id' });
    const stored = await store.db
      .selectFrom('status_receipts')
      .select('parley_message_id')
      .where('provider_message_id', '=', 'other')
      .executeTakeFirstOrThrow();
    assert.equal(stored.parley_message_id, null, 'a value that is not a Parley id is not kept as one');
  });

  it("honours the provider's own opt-out list: the message fails and the contact is suppressed", async () => {
    const p = await start();
    provider.script.push({ status: 400, body: { error_code: 'opted_out' } });
    const res = await p.api('POST', '/v1/messages', { to: '+15551230012', body: 'Reminder: Wednesday at 3 PM' });
    await p.until(async () => (await statusOf(res.body.id)) === 'failed');
    const suppression = await store.db.selectFrom('suppressions').selectAll().where('phone', '=', '+15551230012').executeTakeFirst();
    assert.equal(suppression?.scope, businessNumber);
    const events = await store.db.selectFrom('events').select('type').where('type', '=', 'contact.opted_out').execute();
    assert.equal(events.length, 1);
    const again = await p.api('POST', '/v1/messages', { to: '+15551230012', body: 'Hello?' });
    assert.deepEqual([again.status, again.body.error.code], [422, 'opted_out']);
  });

  it('keeps a signed webhook it cannot read, for replay once it can; never an unsigned one', async () => {
    const p = await start();
    // A field of a type Parley does not read: the gateway's format moved.
    const unreadable = { from: '+15551230018', to: businessNumber, body: 'STOP', message_id: 4711 };
    const res = await p.webhook('inbound', unreadable);
    assert.deepEqual([res.status, res.body.error.code], [400, 'invalid_payload']);
    assert.equal((await p.webhook('inbound', unreadable, { signature: 'f'.repeat(64) })).status, 401);

    const listed = await p.api('GET', '/v1/unreadable-webhooks');
    assert.equal(listed.status, 200);
    assert.equal(listed.body.data.length, 1, 'the unsigned copy is not kept');
    const [kept] = listed.body.data;
    assert.deepEqual(
      [kept.channel, kept.path, kept.method, kept.body, kept.error.code],
      ['main', 'inbound', 'POST', JSON.stringify(unreadable), 'invalid_payload'],
    );
    assert.equal((await inboundMessages()).length, 0);

    const still = await p.api('POST', `/v1/unreadable-webhooks/${kept.id}/replay`);
    assert.deepEqual([still.status, still.body.error.code], [400, 'invalid_payload']);
    assert.equal((await p.api('GET', `/v1/unreadable-webhooks/${kept.id}`)).status, 200, 'still unreadable: still kept');

    // Stands in for a Parley that has learnt the format: the kept body is what it now reads.
    const learnt = JSON.stringify({ ...unreadable, message_id: '4711' });
    await store.db
      .updateTable('unreadable_webhooks')
      .set({ body: learnt, raw_body: Buffer.from(learnt) })
      .where('id', '=', kept.id)
      .execute();
    const replayed = await p.api('POST', `/v1/unreadable-webhooks/${kept.id}/replay`);
    assert.equal(replayed.status, 200);
    assert.deepEqual([replayed.body.replayed, replayed.body.kind, replayed.body.duplicate], [true, 'inbound', false]);
    const [message] = await p.until(async () => {
      const rows = await inboundMessages();
      return rows.length > 0 && rows[0]!.processed_at !== null && rows;
    });
    assert.deepEqual([message!.body, message!.provider_message_id], ['STOP', '4711']);
    await p.until(
      async () =>
        (await store.db.selectFrom('suppressions').select('phone').where('phone', '=', '+15551230018').executeTakeFirst()) !== undefined,
    );
    assert.equal((await p.api('GET', `/v1/unreadable-webhooks/${kept.id}`)).status, 404, 'replayed: no longer kept');

    await p.webhook('status', { message_id: 'x', status: 'teleported' });
    const other = (await p.api('GET', '/v1/unreadable-webhooks')).body.data[0];
    const deleted = await request(`${p.base}/v1/unreadable-webhooks/${other.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assert.equal(deleted.statusCode, 204);
    await deleted.body.dump();
    assert.equal((await p.api('GET', '/v1/unreadable-webhooks')).body.data.length, 0);
  });

  it('never keeps the secret token of a URL-authenticated provider with an unreadable webhook', async () => {
    const token = 'smsmode-webhook-token-0123456789';
    parley = await startTestParley(store, provider.url, {
      channels: [
        genericChannel(provider.url),
        { name: 'fr', provider: 'smsmode', numbers: ['+33700000001'], api_key: 'k', webhook_token: token },
      ],
    });
    const res = await request(`${parley.base}/hooks/fr/status?parley_id=msg_01&statut=4242&smsID=s1&token=${token}`);
    assert.equal(res.statusCode, 400);
    await res.body.dump();
    const [kept] = (await parley.api('GET', '/v1/unreadable-webhooks')).body.data;
    assert.equal(kept.url, '/hooks/fr/status?parley_id=msg_01&statut=4242&smsID=s1');
    const rows = await store.db.selectFrom('unreadable_webhooks').selectAll().execute();
    assert.ok(!JSON.stringify(rows).includes(token));
  });

  it('accepts a webhook that fails its signature check only in monitor mode', async () => {
    const enforcing = await start();
    assert.equal((await enforcing.webhook('inbound', inbound('+15551230013', 'hi'), { signature: 'bad' })).status, 401);
    await enforcing.close();
    parley = undefined;
    const monitoring = await start({ verify: 'monitor' });
    const res = await monitoring.webhook('inbound', inbound('+15551230013', 'hi'), { signature: 'bad' });
    assert.equal(res.status, 200);
    assert.equal((await inboundMessages()).length, 1);
    assert.equal(monitoring.ctx.channels.get('main')?.acceptedUnverified, 1);
  });

  it('refuses webhooks from outside allow_ips with 403 and stores nothing', async () => {
    const p = await start({ allow_ips: ['203.0.113.0/24'] });
    const res = await p.webhook('inbound', inbound('+15551230014', 'hi'));
    assert.deepEqual([res.status, res.body.error.code], [403, 'source_not_allowed']);
    assert.equal((await inboundMessages()).length, 0);
    await p.close();
    parley = undefined;
    const allowed = await start({ allow_ips: ['203.0.113.0/24', '127.0.0.1'] });
    assert.equal((await allowed.webhook('inbound', inbound('+15551230014', 'hi'))).status, 200);
  });
});
