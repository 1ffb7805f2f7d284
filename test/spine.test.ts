import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';
import { sql } from 'kysely';
import type { Store } from '../src/store/database.js';
import { FakeProvider } from './helpers/fake-provider.js';
import { businessNumber, inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

const tables = ['messages', 'webhook_receipts', 'status_receipts', 'events', 'jobs', 'contacts', 'conversations'] as const;

async function rowCounts(store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await store.db
      .selectFrom(table)
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

forEachStore('spine over HTTP', (stores) => {
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
    provider.script.length = 0;
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  const idle = () =>
    parley.until(async () => (await store.db.selectFrom('jobs').select('id').where('state', '!=', 'dead').execute()).length === 0);
  /** Waits until the message is routed and everything that followed (replies) has run. */
  const processed = async (id: string) => {
    const row = await parley.until(
      async () =>
        (await store.db.selectFrom('messages').selectAll().where('id', '=', id).where('processed_at', 'is not', null).executeTakeFirst()) ??
        null,
    );
    await idle();
    return row;
  };

  it('stores a signed inbound message once, with its raw webhook, and routes it', async () => {
    const payload = inbound('+1 (555) 123-4567', 'Hello there', { media_urls: ['https://example.com/a.jpg'] });
    const res = await parley.webhook('inbound', payload);
    assert.equal(res.status, 200);
    assert.equal(res.body.duplicate, false);

    const message = await processed(res.body.message_id);
    assert.equal(message.from_number, '+15551234567');
    assert.equal(message.to_number, businessNumber);
    assert.deepEqual(JSON.parse(message.media_urls), ['https://example.com/a.jpg']);
    const receipt = await store.db
      .selectFrom('webhook_receipts')
      .selectAll()
      .where('message_id', '=', message.id)
      .executeTakeFirstOrThrow();
    assert.equal(receipt.body, JSON.stringify(payload));
    const conversation = await store.db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', message.conversation_id!)
      .executeTakeFirstOrThrow();
    assert.equal(conversation.status, 'needs_human');
    const events = await store.db
      .selectFrom('events')
      .select('type')
      .where('type', 'in', ['message.received', 'conversation.needs_human'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => e.type),
      ['message.received', 'conversation.needs_human'],
    );
  });

  it('answers a provider retry with 200 and changes nothing', async () => {
    const payload = inbound('+15551230000', 'twice');
    const first = await parley.webhook('inbound', payload);
    await processed(first.body.message_id);
    const before = await rowCounts(store);
    const again = await Promise.all([parley.webhook('inbound', payload), parley.webhook('inbound', payload)]);
    for (const res of again) {
      assert.equal(res.status, 200);
      assert.equal(res.body.duplicate, true);
      assert.equal(res.body.message_id, first.body.message_id);
    }
    assert.deepEqual(await rowCounts(store), before);
  });

  it('rejects bad input with a JSON error, stores nothing, and keeps serving', async () => {
    await processed((await parley.webhook('inbound', inbound('+15551230001', 'baseline'))).body.message_id);
    const before = await rowCounts(store);
    const good = inbound('+15551230002', 'hi');
    const cases: Array<[string, () => Promise<{ status: number; body: any }>, number, string]> = [
      ['no signature', () => parley.webhook('inbound', good, { signature: null }), 401, 'invalid_signature'],
      ['wrong signature', () => parley.webhook('inbound', good, { signature: 'ab'.repeat(32) }), 401, 'invalid_signature'],
      ['garbage signature', () => parley.webhook('inbound', good, { signature: 'not-hex' }), 401, 'invalid_signature'],
      ['unknown channel', () => parley.webhook('inbound', good, { channel: 'nope' }), 404, 'unknown_channel'],
      [
        'form body',
        () => parley.webhook('inbound', good, { contentType: 'application/x-www-form-urlencoded' }),
        415,
        'unsupported_media_type',
      ],
      ['malformed JSON', () => parley.webhook('inbound', null, { raw: '{"from": "+1555' }), 400, 'invalid_json'],
      ['not an object', () => parley.webhook('inbound', null, { raw: '[1,2,3]' }), 400, 'invalid_payload'],
      ['missing body', () => parley.webhook('inbound', { ...good, body: undefined }), 400, 'invalid_payload'],
      ['wrong type', () => parley.webhook('inbound', { ...good, message_id: 42 }), 400, 'invalid_payload'],
      ['empty id', () => parley.webhook('inbound', { ...good, message_id: '' }), 400, 'invalid_payload'],
      ['bad media url', () => parley.webhook('inbound', { ...good, media_urls: ['javascript:alert(1)'] }), 400, 'invalid_payload'],
      ['bad phone', () => parley.webhook('inbound', { ...good, from: 'not a number' }), 400, 'invalid_phone_number'],
      ['too large', () => parley.webhook('inbound', { ...good, body: 'x'.repeat(70 * 1024) }), 413, 'payload_too_large'],
      ['unknown status', () => parley.webhook('status', { message_id: 'p1', status: 'exploded' }), 400, 'invalid_payload'],
      [
        'status unsigned',
        () => parley.webhook('status', { message_id: 'p1', status: 'delivered' }, { signature: null }),
        401,
        'invalid_signature',
      ],
      ['API without key', () => parley.api('POST', '/v1/messages', { to: '+15551230003', body: 'x' }, 'wrong-key'), 401, 'unauthorized'],
      ['API bad body', () => parley.api('POST', '/v1/messages', { to: '+15551230003' }), 400, 'invalid_payload'],
      ['API extra field', () => parley.api('POST', '/v1/messages', { to: '+15551230003', body: 'x', evil: 1 }), 400, 'invalid_payload'],
      ['API bad number', () => parley.api('POST', '/v1/messages', { to: '12', body: 'x' }), 400, 'invalid_phone_number'],
      [
        'API unknown channel',
        () => parley.api('POST', '/v1/messages', { to: '+15551230003', body: 'x', channel: 'nope' }),
        404,
        'unknown_channel',
      ],
      ['unknown route', () => parley.api('GET', '/v1/nothing'), 404, 'not_found'],
    ];
    for (const [name, send, status, code] of cases) {
      const res = await send();
      assert.equal(res.status, status, `${name}: status`);
      assert.equal(res.body.error?.code, code, `${name}: code`);
      assert.equal(typeof res.body.error?.message, 'string', `${name}: message`);
    }
    assert.deepEqual(await rowCounts(store), before, 'nothing stored');
    assert.equal((await parley.webhook('inbound', inbound('+15551230004', 'still up'))).status, 200);
  });

  it('sends through the provider, records its id, and applies receipts forward only', async () => {
    const queued = await parley.api('POST', '/v1/messages', { to: '+15557654321', body: 'Your appointment is Wednesday at 3 PM.' });
    assert.equal(queued.status, 202);
    assert.equal(queued.body.status, 'queued');
    assert.equal(queued.body.segments, 1);
    const id: string = queued.body.id;

    const sent = await parley.until(async () => {
      const res = await parley.api('GET', `/v1/messages/${id}`);
      return res.body.status === 'sent' ? res.body : null;
    });
    assert.deepEqual(provider.sends, [{ id, from: businessNumber, to: '+15557654321', body: 'Your appointment is Wednesday at 3 PM.' }]);
    const providerId: string = sent.provider_message_id;
    assert.match(providerId, /^prov-/);

    // Out of order: delivered arrives, then a late "sent", then a contradicting "failed".
    for (const status of ['delivered', 'sent', 'failed', 'delivered']) {
      assert.equal((await parley.webhook('status', { message_id: providerId, status })).status, 200);
    }
    await idle();
    const final = await parley.api('GET', `/v1/messages/${id}`);
    assert.equal(final.body.status, 'delivered');
    const statusEvents = final.body.events.filter((e: any) => e.type === 'message.status').map((e: any) => e.data.status);
    assert.deepEqual(statusEvents, ['sent', 'delivered']);
    assert.equal(final.body.events.filter((e: any) => e.type === 'message.sent').length, 1);
    const receipts = await store.db.selectFrom('status_receipts').selectAll().execute();
    assert.equal(receipts.length, 3, 'the repeated "delivered" receipt was one receipt');
  });

  it('applies a receipt that arrives before the send call has returned', async () => {
    provider.script.push({ status: 200, body: { message_id: 'early-bird' }, delayMs: 300 });
    const queued = await parley.api('POST', '/v1/messages', { to: '+15557654322', body: 'hi' });
    await parley.until(
      async () =>
        provider.sends.length === 0 &&
        (await store.db.selectFrom('messages').select('status').where('id', '=', queued.body.id).executeTakeFirst())?.status === 'sending',
    );
    assert.equal((await parley.webhook('status', { message_id: 'early-bird', status: 'delivered' })).status, 200);
    const message = await parley.until(async () => {
      const res = await parley.api('GET', `/v1/messages/${queued.body.id}`);
      return res.body.status === 'delivered' ? res.body : null;
    });
    assert.equal(message.provider_message_id, 'early-bird');
  });

  it('retries a provider outage and fails a refused message for good', async () => {
    provider.script.push({ status: 503 }, { status: 500 });
    const retried = await parley.api('POST', '/v1/messages', { to: '+15557654323', body: 'eventually' });
    await parley.until(async () => (await parley.api('GET', `/v1/messages/${retried.body.id}`)).body.status === 'sent');
    assert.equal(provider.sends.filter((s) => s.id === retried.body.id).length, 1);

    provider.script.push({ status: 400, body: { error: 'invalid destination' } });
    const refused = await parley.api('POST', '/v1/messages', { to: '+15557654324', body: 'never' });
    const failed = await parley.until(async () => {
      const res = await parley.api('GET', `/v1/messages/${refused.body.id}`);
      return res.body.status === 'failed' ? res.body : null;
    });
    assert.equal(failed.error_code, '400');
    assert.ok(failed.events.some((e: any) => e.type === 'message.status' && e.data.status === 'failed'));
  });

  it('processes one contact in arrival order, other contacts alongside', async () => {
    // Everything is stored before the worker starts, so the queue holds a real backlog to order.
    await parley.close();
    parley = await startTestParley(store, provider.url, {}, { work: false });
    const contact = '+15551239999';
    const others = [];
    for (let i = 0; i < 30; i++) {
      others.push(parley.webhook('inbound', inbound(`+1555123${String(1000 + i)}`, `other${i}`)));
      assert.equal((await parley.webhook('inbound', inbound(contact, `m${i}`))).status, 200);
    }
    assert.ok((await Promise.all(others)).every((r) => r.status === 200));
    parley.worker.start();
    await idle();
    // Ids are strictly increasing within a process: message ids give arrival order, event ids processing order.
    const rows = await store.db.selectFrom('messages').selectAll().where('from_number', '=', contact).orderBy('id').execute();
    assert.equal(rows.length, 30);
    const received = await store.db
      .selectFrom('events')
      .select('message_id')
      .where('type', '=', 'message.received')
      .where(
        'message_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('id')
      .execute();
    assert.deepEqual(
      received.map((e) => e.message_id),
      rows.map((r) => r.id),
      'processed in the order stored',
    );
    assert.equal(new Set(rows.map((r) => r.conversation_id)).size, 1);
  });
});
