import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { verifyHexSignature } from '../src/providers/generic/adapter.js';
import { hmacSha256Hex } from '../src/providers/hmac.js';
import { twilioSigningInput } from '../src/providers/twilio/adapter.js';
import { replayRequest } from '../src/inbound/unreadable.js';
import type { Store } from '../src/store/database.js';
import { apiKey, businessNumber, genericChannel, genericSecret, inbound, startTestParley, type TestParley } from './helpers/parley.js';
import { forEachStore } from './helpers/stores.js';

// Input PostgreSQL and SQLite would treat differently, or that looks like something it is not, is
// answered the same on both: a NUL character anywhere Parley would store text, a provider time
// out of any sane range, a provider's status word that is also the name of an object's property.

const twilioToken = 'twilio-token-0123456789abcdef';
const twilioPublicUrl = 'https://sms.example.com';

/** A form-encoded Twilio webhook to `path`, signed over the public URL as Twilio signs. */
function twilioWebhook(path: string, body: Buffer) {
  const url = `${twilioPublicUrl}/hooks/tw/${path}`;
  const params = [...new URLSearchParams(body.toString('latin1'))];
  const signature = createHmac('sha1', twilioToken).update(twilioSigningInput(url, params), 'utf8').digest('base64');
  return { url: `/hooks/tw/${path}`, signature };
}

forEachStore('webhook and API input', (stores) => {
  let store: Store;
  let parley: TestParley;

  beforeEach(async () => {
    store = await stores.open();
    parley = await startTestParley(store, 'http://127.0.0.1:9/send', {
      channels: [
        genericChannel('http://127.0.0.1:9/send'),
        {
          name: 'tw',
          provider: 'twilio',
          numbers: ['+18005550199'],
          account_sid: `AC${'a'.repeat(32)}`,
          auth_token: twilioToken,
          public_url: twilioPublicUrl,
        },
      ],
    });
  });
  afterEach(async () => {
    await parley.close();
    await store.close();
  });

  const count = async (table: 'messages' | 'webhook_receipts' | 'status_receipts' | 'unreadable_webhooks' | 'inbound_parts') =>
    (await store.db.selectFrom(table).selectAll().execute()).length;

  describe('NUL characters', () => {
    const cases: Array<[string, 'inbound' | 'status', Record<string, unknown>]> = [
      ['body', 'inbound', inbound('+15551234567', 'a\u0000b')],
      ['message_id', 'inbound', inbound('+15551234567', 'hi', { message_id: 'm\u0000' })],
      ['part.reference', 'inbound', inbound('+15551234567', 'hi', { part: { reference: 'r\u0000', index: 1, total: 2 } })],
      ['a receipt\u2019s message_id', 'status', { message_id: 'out\u0000', status: 'delivered' }],
    ];
    for (const [field, kind, payload] of cases) {
      it(`in a signed generic webhook's ${field}: invalid_payload, nothing stored, kept as unreadable`, async () => {
        const res = await parley.webhook(kind, payload);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.error.code, 'invalid_payload');
        assert.match(res.body.error.message, /NUL/);
        assert.deepEqual([await count('messages'), await count('webhook_receipts'), await count('status_receipts')], [0, 0, 0]);
        assert.equal(await count('inbound_parts'), 0);
        assert.equal(await count('unreadable_webhooks'), 1, 'a signed webhook Parley cannot read is kept');
      });
    }

    it('as a raw byte in a field Parley does not read: the webhook is stored, its text copy without the NUL', async () => {
      const body = Buffer.from('MessageSid=SM1&From=%2B15551234567&To=%2B18005550199&Body=hi&Extra=a\u0000b');
      const { url, signature } = twilioWebhook('inbound', body);
      const res = await parley.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        payload: body,
      });
      assert.equal(res.statusCode, 200, res.body);
      const [receipt] = await store.db.selectFrom('webhook_receipts').selectAll().execute();
      assert.ok(receipt && !receipt.body.includes('\u0000'));
    });

    it('in POST /v1/messages: invalid_payload naming the field, nothing stored', async () => {
      const res = await parley.api('POST', '/v1/messages', { to: '+15551234567', body: 'a\u0000b' });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual(res.body.error.code, 'invalid_payload');
      assert.match(res.body.error.message, /^body: /);
      assert.equal(await count('messages'), 0);
    });

    const idRoutes = [
      'GET /v1/messages/%00',
      'GET /v1/contacts/%00',
      'DELETE /v1/contacts/%00',
      'GET /v1/conversations/%00',
      'POST /v1/conversations/%00/close',
      'GET /v1/endpoints/%00',
      'DELETE /v1/endpoints/%00',
      'POST /v1/endpoints/%00/rotate-secret',
      'GET /v1/endpoints/%00/deliveries',
      'GET /v1/deliveries/%00/attempts',
      'POST /v1/deliveries/%00/retry',
      'GET /v1/unreadable-webhooks/%00',
    ];
    it('as %00 in an id: not_found at every route', async () => {
      for (const route of idRoutes) {
        const [method, url] = route.split(' ') as ['GET', string];
        const res = await parley.app.inject({ method, url, headers: { authorization: `Bearer ${apiKey}` } });
        assert.equal(res.statusCode, 404, `${route}: ${res.body}`);
        assert.equal(JSON.parse(res.body).error.code, 'not_found', route);
      }
    });

    it('in a query: invalid_payload', async () => {
      const res = await parley.app.inject({
        method: 'GET',
        url: '/v1/unreadable-webhooks?channel=%00',
        headers: { authorization: `Bearer ${apiKey}` },
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(JSON.parse(res.body).error.code, 'invalid_payload');
    });
  });

  describe('provider times out of range', () => {
    for (const timestamp of [1e20, 1e308, '+275760-09-13T00:00:00Z']) {
      it(`timestamp ${timestamp}: stored the same on both databases, without the time`, async () => {
        const res = await parley.webhook('inbound', inbound('+15551234567', 'hi', { timestamp }));
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const message = await store.db.selectFrom('messages').selectAll().where('id', '=', res.body.message_id).executeTakeFirstOrThrow();
        assert.equal(message.provider_time, null);
      });
    }

    it('a receipt with timestamp 1e20: stored without the time', async () => {
      const res = await parley.webhook('status', { message_id: 'out-1', status: 'delivered', timestamp: 1e20 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const [receipt] = await store.db.selectFrom('status_receipts').selectAll().execute();
      assert.equal(receipt?.provider_time, null);
    });

    it('a time in range is kept', async () => {
      const res = await parley.webhook('inbound', inbound('+15551234567', 'hi', { timestamp: 1_790_000_000 }));
      const message = await store.db.selectFrom('messages').selectAll().where('id', '=', res.body.message_id).executeTakeFirstOrThrow();
      assert.equal(Number(message.provider_time), 1_790_000_000_000);
    });
  });

  describe('raw webhook copies, byte for byte', () => {
    /** JSON whose `field` holds bytes that are not UTF-8: JSON.parse reads them as U+FFFD, the signature covers them as sent. */
    const withBadBytes = (payload: Record<string, unknown>, field: string) => {
      const marker = 'XBADBYTESX';
      const [before, after] = JSON.stringify({ ...payload, [field]: marker }).split(marker) as [string, string];
      return Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(after)]);
    };
    /** The stored copy as a request, checked with the generic adapter's own verify against the signature it came with. */
    const reverifies = (raw: Buffer | null, sent: Buffer) =>
      raw !== null &&
      verifyHexSignature(
        {
          method: 'POST',
          url: '/hooks/main/inbound',
          publicUrl: 'https://sms.example.com/hooks/main/inbound',
          headers: { 'x-signature': hmacSha256Hex(genericSecret, sent) },
          rawBody: Buffer.from(raw),
          contentType: 'application/json',
          receivedAt: Date.now(),
        },
        genericSecret,
      ).ok;

    const stored: Array<[string, 'inbound' | 'status', Buffer]> = [
      ['an inbound message', 'inbound', withBadBytes(inbound('+15551234567', ''), 'body')],
      [
        'one part of a message',
        'inbound',
        withBadBytes(inbound('+15551234567', '', { part: { reference: 'r1', index: 1, total: 2 } }), 'body'),
      ],
      ['a delivery receipt', 'status', withBadBytes({ message_id: 'out-1', status: 'delivered' }, 'error_code')],
    ];
    for (const [what, kind, sent] of stored) {
      it(`${what}: the stored copy re-verifies against its signature`, async () => {
        const res = await parley.webhook(kind, null, { raw: sent });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const [copy] = await store.db.selectFrom('webhook_receipts').selectAll().execute();
        assert.ok(copy);
        assert.deepEqual(copy.raw_body && Buffer.from(copy.raw_body), sent);
        assert.ok(reverifies(copy.raw_body, sent), 'the stored bytes verify');
        assert.ok(!reverifies(Buffer.from(copy.body, 'utf8'), sent), 'the text copy alone would not');
      });
    }

    it('an unreadable webhook: kept byte for byte, shown in base64, replayed with its own bytes', async () => {
      const sent = Buffer.concat([Buffer.from('{"from":'), Buffer.from([0xff, 0xfe, 0xc3])]);
      const res = await parley.webhook('inbound', null, { raw: sent });
      assert.equal(res.status, 400);
      const [kept] = await store.db.selectFrom('unreadable_webhooks').selectAll().execute();
      assert.ok(kept);
      assert.ok(reverifies(kept.raw_body, sent));
      assert.deepEqual(replayRequest(kept).rawBody, sent);
      const shown = await parley.api('GET', `/v1/unreadable-webhooks/${kept.id}`);
      assert.deepEqual(Buffer.from(shown.body.body_base64, 'base64'), sent);
      const replay = await parley.api('POST', `/v1/unreadable-webhooks/${kept.id}/replay`);
      assert.equal(replay.body.error.code, 'invalid_json', 'still unreadable, and kept');
      assert.equal(await count('unreadable_webhooks'), 1);
    });
  });

  describe("a provider's status word that names an object property", () => {
    for (const status of ['__proto__', 'constructor', 'toString']) {
      it(`Twilio MessageStatus=${status}: invalid_payload, kept as unreadable`, async () => {
        const body = Buffer.from(`MessageSid=SM1&MessageStatus=${status}&To=%2B15551234567&From=${encodeURIComponent(businessNumber)}`);
        const { url, signature } = twilioWebhook('status', body);
        const res = await parley.app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          payload: body,
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(JSON.parse(res.body).error.code, 'invalid_payload');
        assert.equal(await count('status_receipts'), 0);
        assert.equal(await count('unreadable_webhooks'), 1);
      });
    }
  });
});
