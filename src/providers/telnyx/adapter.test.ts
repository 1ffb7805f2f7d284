import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookRequest } from '../contract.js';
import { telnyxAdapter } from './adapter.js';
import type { TelnyxChannelConfig } from './config.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url)).subarray(0, -1);

// A key pair like the account's: the channel holds the raw 32-byte public key in base64.
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const rawPublicKey = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
const other = generateKeyPairSync('ed25519');
const now = Date.parse('2026-11-20T15:04:10Z');

function signed(body: Buffer, options: { timestamp?: number; key?: typeof privateKey; signature?: string | null } = {}): WebhookRequest {
  const timestamp = String(options.timestamp ?? Math.floor(now / 1000));
  const signature = options.signature === undefined ? sign(null, Buffer.concat([Buffer.from(`${timestamp}|`), body]), options.key ?? privateKey).toString('base64') : options.signature;
  return {
    method: 'POST',
    url: '/hooks/tx/events',
    publicUrl: 'https://sms.example.com/hooks/tx/events',
    headers: { 'telnyx-timestamp': timestamp, ...(signature === null ? {} : { 'telnyx-signature-ed25519': signature }) },
    rawBody: body,
    contentType: 'application/json',
    receivedAt: now,
  };
}

function channel(extra: Partial<TelnyxChannelConfig> = {}): TelnyxChannelConfig {
  return { name: 'tx', provider: 'telnyx', numbers: ['+18005550100'], api_key: 'KEY0123456789abcdef', public_key: rawPublicKey, verify: 'enforce', send_timeout: 2_000, ...extra };
}

describe('telnyx adapter: verify', () => {
  const body = fixture('message-received.json');
  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['a signature over timestamp|body', signed(body), true],
    ['a timestamp 4 minutes old', signed(body, { timestamp: Math.floor(now / 1000) - 240 }), true],
    ['a timestamp 6 minutes old (replay window passed)', signed(body, { timestamp: Math.floor(now / 1000) - 360 }), false],
    ['a timestamp 6 minutes ahead', signed(body, { timestamp: Math.floor(now / 1000) + 360 }), false],
    ['another key', signed(body, { key: other.privateKey }), false],
    ['no signature', signed(body, { signature: null }), false],
    ['a truncated signature', signed(body, { signature: 'AAAA' }), false],
    ['one byte changed', { ...signed(body), rawBody: Buffer.from(body.toString().replace('Hello', 'Jello')) }, false],
    ['the timestamp changed after signing', { ...signed(body), headers: { ...signed(body).headers, 'telnyx-timestamp': String(Math.floor(now / 1000) - 1) } }, false],
  ];
  for (const [name, request, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, () => assert.equal((telnyxAdapter.verify(request, channel()) as { ok: boolean }).ok, ok));
  }
  it('explains a stale timestamp', () => {
    const verdict = telnyxAdapter.verify(signed(body, { timestamp: Math.floor(now / 1000) - 3600 }), channel()) as { reason: string };
    assert.match(verdict.reason, /3600 s from this server's clock/);
  });
});

describe('telnyx adapter: parse', () => {
  it('reads the documented message.received example', () => {
    assert.deepEqual(telnyxAdapter.parse(signed(fixture('message-received.json')), channel(), 'events'), {
      kind: 'inbound',
      message: {
        from: '+18665550001',
        to: '+18445550001',
        body: 'Hello, World!',
        mediaUrls: [],
        providerMessageId: '7ee4241c-f127-47e5-9c34-3aac291f8058',
        providerTime: Date.parse('2019-01-23T18:10:02.490Z'),
      },
    });
  });
  it('reads MMS media', () => {
    const event = telnyxAdapter.parse(signed(fixture('message-received-mms.json')), channel(), 'inbound');
    assert.deepEqual(event.kind === 'inbound' && event.message.mediaUrls, ['https://media.telnyx.example/0b1c.jpg']);
  });
  it('reads finalized events as receipts, with the error code and the event id for deduplication', () => {
    assert.deepEqual(telnyxAdapter.parse(signed(fixture('message-finalized-failed.json')), channel(), 'events'), {
      kind: 'status',
      receipt: {
        providerMessageId: '5c9a1e2b-3d4f-4a6b-8c7d-9e0f1a2b3c4d',
        status: 'undelivered',
        providerStatus: 'delivery_failed',
        errorCode: '40008',
        providerTime: Date.parse('2026-11-20T15:05:10.000Z'),
        notificationId: 'd4b8c2f1-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
      },
    });
    const delivered = telnyxAdapter.parse(signed(fixture('message-finalized-delivered.json')), channel(), 'events');
    assert.equal(delivered.kind === 'status' && delivered.receipt.status, 'delivered');
  });

  const statuses: Array<[string, string | null]> = [
    ['queued', 'queued'],
    ['sending', 'sending'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['sending_failed', 'failed'],
    ['delivery_failed', 'undelivered'],
    ['delivery_unconfirmed', 'sent'],
    ['webhook_delivered', null],
  ];
  const withStatus = (status: string) => {
    const event = JSON.parse(fixture('message-finalized-delivered.json').toString()) as { data: { payload: { to: Array<{ status: string }> } } };
    event.data.payload.to[0]!.status = status;
    return signed(Buffer.from(JSON.stringify(event)));
  };
  for (const [telnyx, parley] of statuses) {
    it(`maps ${telnyx} to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = telnyxAdapter.parse(withStatus(telnyx), channel(), 'events');
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind === 'status' && event.receipt.status, parley);
    });
  }

  it('ignores events it has no use for', () => {
    const body = Buffer.from(JSON.stringify({ data: { id: 'e1', event_type: 'number_order.complete', payload: { id: 'x' } } }));
    assert.equal(telnyxAdapter.parse(signed(body), channel(), 'events').kind, 'ignored');
  });

  const bad: Array<[string, string, string]> = [
    ['no data', '{"meta":{}}', 'invalid_payload'],
    ['truncated JSON', '{"data":{"id"', 'invalid_json'],
    ['a payload without an id', '{"data":{"id":"e","event_type":"message.received","payload":{}}}', 'invalid_payload'],
    ['an unreadable sender', '{"data":{"id":"e","event_type":"message.received","payload":{"id":"m","from":{"phone_number":"x"},"to":[{"phone_number":"+18005550100"}]}}}', 'invalid_phone_number'],
    ['to as a string', '{"data":{"id":"e","event_type":"message.received","payload":{"id":"m","to":"+1"}}}', 'invalid_payload'],
  ];
  for (const [name, body, code] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      assert.throws(() => telnyxAdapter.parse(signed(Buffer.from(body)), channel(), 'events'), (e: unknown) => e instanceof ParleyError && e.code === code);
    });
  }
});

describe('telnyx adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = { id: 'msg_01', from: '+18005550100', to: '+15551234567', body: 'Reply YES to confirm', mediaUrls: [], statusCallbackUrl: 'https://sms.example.com/hooks/tx/status?parley_id=msg_01' };

  it('posts JSON with the Bearer key and the per-message webhook URL, and reads data.id', async () => {
    api.next = { status: 200, body: { data: { id: '40317159-b4f7', to: [{ phone_number: '+15551234567', status: 'queued' }] } } };
    assert.deepEqual(await telnyxAdapter.send(message, channel({ api_url: api.url, messaging_profile_id: 'prof-1' })), { providerMessageId: '40317159-b4f7', status: 'queued' });
    assert.deepEqual({ path: api.last().path, authorization: api.last().headers.authorization, body: api.lastJson() }, {
      path: '/v2/messages',
      authorization: 'Bearer KEY0123456789abcdef',
      body: { from: message.from, to: message.to, text: message.body, messaging_profile_id: 'prof-1', webhook_url: message.statusCallbackUrl },
    });
  });

  const failures: Array<[string, Reply | 'closed', string, string | null]> = [
    ['40300 (blocked: the recipient sent STOP)', { status: 400, body: { errors: [{ code: '40300', title: 'Blocked due to STOP message' }] } }, 'recipient_opted_out', '40300'],
    ['40310 (an invalid number)', { status: 400, body: { errors: [{ code: '40310', title: 'Invalid to address' }] } }, 'rejected', '40310'],
    ['401', { status: 401, body: { errors: [{ code: '10009', title: 'Authentication failed' }] } }, 'rejected', '10009'],
    ['429', { status: 429, body: { errors: [{ code: '10011', title: 'Too many requests' }] } }, 'throttled', '10011'],
    ['a 503', { status: 503, body: {} }, 'provider_unavailable', '503'],
    ['a 200 without data.id', { status: 200, body: { data: {} } }, 'invalid_response', null],
    ['a closed port', 'closed', 'connection', null],
    ['no answer', { status: 200, body: {}, hang: true }, 'connection', null],
  ];
  for (const [name, reply, kind, code] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      if (reply !== 'closed') api.next = reply;
      const ch = channel({ api_url: reply === 'closed' ? 'http://127.0.0.1:9' : api.url, send_timeout: 300 });
      await assert.rejects(telnyxAdapter.send(message, ch), (e: unknown) => e instanceof SendError && e.kind === kind && e.providerCode === code);
    });
  }
});
