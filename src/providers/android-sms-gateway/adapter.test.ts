import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookRequest } from '../contract.js';
import { androidSmsGatewayAdapter as adapter } from './adapter.js';
import type { AndroidSmsGatewayChannelConfig } from './config.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const key = 'gateway-signing-key-01';
const now = Date.parse('2026-11-20T15:04:10Z');

function channel(extra: Partial<AndroidSmsGatewayChannelConfig> = {}): AndroidSmsGatewayChannelConfig {
  return { name: 'phone', provider: 'android-sms-gateway', numbers: ['+18005550100'], username: 'user', password: 'pass', signing_key: key, verify: 'enforce', send_timeout: 2_000, ...extra };
}

function signed(body: Buffer, options: { timestamp?: number; key?: string; signature?: string } = {}): WebhookRequest {
  const timestamp = String(options.timestamp ?? Math.floor(now / 1000));
  // Computed here independently: hex HMAC-SHA256 of the body followed by the timestamp.
  const signature = options.signature ?? createHmac('sha256', options.key ?? key).update(body.toString('utf8') + timestamp).digest('hex');
  return { method: 'POST', url: '/hooks/phone/events', publicUrl: 'https://sms.example.com/hooks/phone/events', headers: { 'x-signature': signature, 'x-timestamp': timestamp }, rawBody: body, contentType: 'application/json', receivedAt: now };
}

describe('android-sms-gateway adapter: verify', () => {
  const body = fixture('sms-received.json');
  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['a correct signature', signed(body), true],
    ['upper-case hex', signed(body, { signature: createHmac('sha256', key).update(body.toString() + String(Math.floor(now / 1000))).digest('hex').toUpperCase() }), true],
    ['another key', signed(body, { key: 'another-key-entirely' }), false],
    ['a changed body', { ...signed(body), rawBody: Buffer.from(body.toString().replace('sweet', 'sour!')) }, false],
    ['a timestamp 10 minutes old', signed(body, { timestamp: Math.floor(now / 1000) - 600 }), false],
    ['a signature in base64', signed(body, { signature: createHmac('sha256', key).update(body.toString() + String(Math.floor(now / 1000))).digest('base64') }), false],
  ];
  for (const [name, req, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, () => assert.equal((adapter.verify(req, channel()) as { ok: boolean }).ok, ok));
  }
});

describe('android-sms-gateway adapter: parse', () => {
  it('reads the documented sms:received example, keyed by the event id', () => {
    assert.deepEqual(adapter.parse(signed(fixture('sms-received.json')), channel(), 'events'), {
      kind: 'inbound',
      message: { from: '+16505551212', to: '+18005550100', body: 'Android is always a sweet treat!', mediaUrls: [], providerMessageId: 'Ey6ECgOkVVFjz3CL48B8C', providerTime: Date.parse('2024-06-22T15:46:11.000+07:00') },
    });
  });
  it('takes the recipient when it is a number, the channel number when the phone does not know its own', () => {
    const event = JSON.parse(fixture('sms-received.json').toString()) as { payload: { recipient: string | null } };
    event.payload.recipient = '+18005550199';
    const known = adapter.parse(signed(Buffer.from(JSON.stringify(event))), channel(), 'events');
    assert.equal(known.kind === 'inbound' && known.message.to, '+18005550199');
    event.payload.recipient = null;
    const unknown = adapter.parse(signed(Buffer.from(JSON.stringify(event))), channel(), 'events');
    assert.equal(unknown.kind === 'inbound' && unknown.message.to, '+18005550100');
  });
  it('reads sent (announcing its parts), delivered per part, and failed', () => {
    const sent = adapter.parse(signed(fixture('sms-sent.json')), channel(), 'events');
    assert.deepEqual(sent.kind === 'status' && [sent.receipt.status, sent.receipt.part, sent.receipt.notificationId], ['sent', { key: 'sent', total: 2 }, 'Jj2qPz0c7mVbX9kH1sL4a']);
    const delivered = adapter.parse(signed(fixture('sms-delivered.json')), channel(), 'events');
    assert.deepEqual(delivered.kind === 'status' && [delivered.receipt.providerMessageId, delivered.receipt.status, delivered.receipt.part], [
      'msg_01KAQ3F9A1B2C3D4E5F6G7H8J9',
      'delivered',
      { key: 'Q8rT1u2VwXyZ3a4B5c6D7', total: null },
    ]);
    const failed = adapter.parse(signed(fixture('sms-failed.json')), channel(), 'events');
    assert.deepEqual(failed.kind === 'status' && [failed.receipt.status, failed.receipt.errorCode], ['failed', 'RESULT_ERROR_GENERIC_FAILURE']);
  });
  it('ignores pings and other events', () => {
    assert.equal(adapter.parse(signed(Buffer.from('{"event":"system:ping","id":"p1","payload":{}}')), channel(), 'events').kind, 'ignored');
  });
  const bad: Array<[string, string, string]> = [
    ['no event id', '{"event":"sms:received","payload":{"sender":"+15551234567","message":"hi"}}', 'invalid_payload'],
    ['a receipt without messageId', '{"event":"sms:delivered","id":"d1","payload":{}}', 'invalid_payload'],
    ['an unreadable sender', '{"event":"sms:received","id":"r1","payload":{"sender":"MyBank","message":"hi"}}', 'invalid_phone_number'],
  ];
  for (const [name, body, code] of bad) {
    it(`refuses ${name} with ${code}`, () => assert.throws(() => adapter.parse(signed(Buffer.from(body)), channel(), 'events'), (e: unknown) => e instanceof ParleyError && e.code === code));
  }
});

describe('android-sms-gateway adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = { id: 'msg_01', from: '+1234567890', to: '+15551234567', body: 'Reply YES', mediaUrls: [], statusCallbackUrl: null };

  it('posts the message with Parley\'s id and Basic auth', async () => {
    api.next = { status: 202, body: { id: 'msg_01', state: 'Pending', recipients: [{ phoneNumber: '+15551234567', state: 'Pending' }] } };
    assert.deepEqual(await adapter.send(message, channel({ api_url: api.url, device_id: 'dev1' })), { providerMessageId: 'msg_01', status: 'queued' });
    assert.deepEqual({ path: api.last().path, authorization: api.last().headers.authorization, body: api.lastJson() }, {
      path: '/3rdparty/v1/messages',
      authorization: `Basic ${Buffer.from('user:pass').toString('base64')}`,
      body: { id: 'msg_01', textMessage: { text: 'Reply YES' }, phoneNumbers: ['+15551234567'], withDeliveryReport: true, deviceId: 'dev1' },
    });
  });
  const failures: Array<[string, { status: number; body: unknown }, string]> = [
    ['a 401', { status: 401, body: { message: 'Unauthorized' } }, 'rejected'],
    ['a 400', { status: 400, body: { message: 'invalid phone' } }, 'rejected'],
    ['a 502 (the phone is offline)', { status: 502, body: {} }, 'provider_unavailable'],
    ['a 202 without an id', { status: 202, body: {} }, 'invalid_response'],
  ];
  for (const [name, reply, kind] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      api.next = reply;
      await assert.rejects(adapter.send(message, channel({ api_url: api.url })), (e: unknown) => e instanceof SendError && e.kind === kind);
    });
  }
});
