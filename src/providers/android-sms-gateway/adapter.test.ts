import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type StatusReceipt, type VerifyResult, type WebhookRequest } from '../contract.js';
import { androidSmsGatewayAdapter as adapter } from './adapter.js';
import { androidSmsGatewayChannelSchema, type AndroidSmsGatewayChannelConfig } from './config.js';
import { kit } from './test-kit.js';

// SMS Gateway for Android publishes no fixed signature vector: its docs give the scheme with
// verification snippets in Go, Python, JavaScript and PHP (android-sms-gateway/docs-web
// docs/features/webhooks.md @ 057fb7011ab70c9792957d4b52e1bb91b02a2208, "Payload Signing"), and the
// app signs in capcom6/android-sms-gateway modules/webhooks/plugins/PayloadSingingPlugin.kt
// @ 15b9753d29cdc809c0e907ce273ff7a251780834: hex HMAC-SHA256, key = signing key as UTF-8,
// data = body text + X-Timestamp. The signatures below are computed here the same way.

/** A fixture file without its final newline: the bytes the app would post. */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url)).subarray(0, -1);
const key = 'gateway-signing-key-01';
const now = Date.parse('2026-11-23T15:04:10Z');
const nowSeconds = Math.floor(now / 1000);
// [DERIVED] hex HMAC-SHA256(key, sms-received.json + "1795446250"), computed with node:crypto.
const derivedSignature = '2c27eeb821b61010c6600fb36fa38a8cd3038c6b67e8d6c8b30db7b9cff925b1';

function channel(extra: Partial<AndroidSmsGatewayChannelConfig> = {}): AndroidSmsGatewayChannelConfig {
  return {
    name: 'phone',
    provider: 'android-sms-gateway',
    numbers: ['+18005550100'],
    username: 'user',
    password: 'pass',
    signing_key: key,
    verify: 'enforce',
    send_timeout: 2_000,
    ...extra,
  };
}

const sign = (body: Buffer | string, timestamp: string, signingKey = key) =>
  createHmac('sha256', signingKey)
    .update(Buffer.concat([Buffer.from(body), Buffer.from(timestamp)]))
    .digest('hex');

function signed(
  body: Buffer,
  options: { timestamp?: number; key?: string; headers?: Record<string, string | undefined> } = {},
): WebhookRequest {
  const timestamp = String(options.timestamp ?? nowSeconds);
  const headers = {
    'content-type': 'application/json',
    'x-signature': sign(body, timestamp, options.key),
    'x-timestamp': timestamp,
    ...options.headers,
  };
  return {
    method: 'POST',
    url: '/hooks/phone/events',
    publicUrl: 'https://sms.example.com/hooks/phone/events',
    headers,
    rawBody: body,
    contentType: 'application/json',
    receivedAt: now,
  };
}

const verdict = (request: WebhookRequest, ch = channel()) => adapter.verify(request, ch) as VerifyResult;

describe('android-sms-gateway adapter: verify', () => {
  const body = fixture('sms-received.json');
  const good = sign(body, String(nowSeconds));

  it('accepts the fixed [DERIVED] vector over the documented sms:received example', () => {
    assert.deepEqual(verdict(signed(body, { headers: { 'x-signature': derivedSignature, 'x-timestamp': '1795446250' } })), { ok: true });
  });

  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['a signature over body + timestamp', signed(body), true],
    ['upper-case hex', signed(body, { headers: { 'x-signature': good.toUpperCase() } }), true],
    ['spaces around both headers', signed(body, { headers: { 'x-signature': ` ${good} `, 'x-timestamp': ` ${nowSeconds} ` } }), true],
    ['a timestamp 299 s old', signed(body, { timestamp: nowSeconds - 299 }), true],
    ['a timestamp 301 s old', signed(body, { timestamp: nowSeconds - 301 }), false],
    ['a timestamp 10 minutes ahead', signed(body, { timestamp: nowSeconds + 600 }), false],
    ['another signing key', signed(body, { key: 'another-key-entirely' }), false],
    ['one byte of the body changed', { ...signed(body), rawBody: Buffer.from(body.toString().replace('sweet', 'sour!')) }, false],
    ['the timestamp header changed after signing', signed(body, { headers: { 'x-timestamp': String(nowSeconds - 1) } }), false],
    [
      'the signature over the body alone',
      signed(body, { headers: { 'x-signature': createHmac('sha256', key).update(body).digest('hex') } }),
      false,
    ],
    ['a base64 signature', signed(body, { headers: { 'x-signature': Buffer.from(good, 'hex').toString('base64') } }), false],
    ['a truncated signature', signed(body, { headers: { 'x-signature': good.slice(0, 63) } }), false],
    ['no X-Signature', signed(body, { headers: { 'x-signature': undefined } }), false],
    ['no X-Timestamp', signed(body, { headers: { 'x-timestamp': undefined } }), false],
    ['a timestamp in milliseconds', signed(body, { timestamp: now }), false],
    ['a timestamp that is not a number', signed(body, { headers: { 'x-timestamp': '2026-11-23T15:04:10Z' } }), false],
  ];
  for (const [name, request, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, () => assert.equal(verdict(request).ok, ok));
  }

  it('says why, without the key', () => {
    const skewed = verdict(signed(body, { timestamp: nowSeconds - 900 }));
    assert.match(skewed.ok ? '' : skewed.reason, /900 s away/);
    const wrong = verdict(signed(body, { key: 'another-key-entirely' }));
    assert.ok(!wrong.ok && /signing_key/.test(wrong.reason) && !wrong.reason.includes(key));
  });

  it('accepts what the test kit signs, with the channel block it gives', () => {
    const ch = androidSmsGatewayChannelSchema.parse(kit.channel('phone', '+18005550100', 'http://127.0.0.1:9', 'https://sms.example.com'));
    const request = kit.inbound(
      { from: '+15551234567', to: '+18005550100', body: 'YES', id: 'k1' },
      'https://sms.example.com/hooks/phone/events',
    );
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
    assert.deepEqual(
      verdict(
        {
          method: 'POST',
          url: '/hooks/phone/events',
          publicUrl: request.url,
          headers,
          rawBody: Buffer.from(request.body),
          contentType: 'application/json',
          receivedAt: Date.now(),
        },
        ch,
      ),
      { ok: true },
    );
  });
});

const parse = (body: Buffer | string, ch = channel()) => adapter.parse(signed(Buffer.from(body)), ch, 'events');
const receipt = (body: Buffer | string): StatusReceipt => {
  const event = parse(body);
  return event.kind === 'status' ? event.receipt : assert.fail(`expected a receipt, got ${event.kind}`);
};

describe('android-sms-gateway adapter: parse', () => {
  it('reads the documented sms:received example, keyed by the event id, the national sender in the phone country', () => {
    assert.deepEqual(parse(fixture('sms-received.json')), {
      kind: 'inbound',
      message: {
        from: '+16505551212',
        // "+1234567890" is not a dialable number: the phone does not really know its own, the channel's stands in.
        to: '+18005550100',
        body: 'Android is always a sweet treat!',
        mediaUrls: [],
        providerMessageId: 'Ey6ECgOkVVFjz3CL48B8C',
        providerTime: Date.parse('2024-06-22T15:46:11.000+07:00'),
      },
    });
  });

  it('reads the older shape with only the deprecated phoneNumber', () => {
    const event = parse(fixture('sms-received-legacy.json'));
    assert.deepEqual(event.kind === 'inbound' && [event.message.from, event.message.to, event.message.providerMessageId], [
      '+16505551212',
      '+18005550100',
      'Ey6ECgOkVVFjz3CL48B8C',
    ]);
  });

  it('takes the recipient when it is a number, and reads national numbers in the country of the channel number', () => {
    const event = JSON.parse(fixture('sms-received.json').toString()) as { payload: Record<string, unknown> };
    event.payload.recipient = '+18005550199';
    const known = parse(JSON.stringify(event));
    assert.equal(known.kind === 'inbound' && known.message.to, '+18005550199');
    event.payload.sender = '06 12 34 56 78';
    event.payload.recipient = null;
    const french = parse(JSON.stringify(event), channel({ numbers: ['+33700000001'] }));
    assert.deepEqual(french.kind === 'inbound' && [french.message.from, french.message.to], ['+33612345678', '+33700000001']);
  });

  it('reads sms:sent, announcing how many parts will report delivery', () => {
    assert.deepEqual(receipt(fixture('sms-sent.json')), {
      providerMessageId: 'msg_01KAQ3F9A1B2C3D4E5F6G7H8J9',
      status: 'sent',
      providerStatus: 'sms:sent',
      errorCode: null,
      providerTime: Date.parse('2026-11-20T15:04:06.000+01:00'),
      notificationId: 'Jj2qPz0c7mVbX9kH1sL4a',
      part: { key: 'sent', total: 2 },
    });
  });

  it('reads each sms:delivered as one part, keyed by its event id', () => {
    const first = receipt(fixture('sms-delivered-part1.json'));
    const second = receipt(fixture('sms-delivered-part2.json'));
    assert.deepEqual(first, {
      providerMessageId: 'msg_01KAQ3F9A1B2C3D4E5F6G7H8J9',
      status: 'delivered',
      providerStatus: 'sms:delivered',
      errorCode: null,
      providerTime: Date.parse('2026-11-20T15:04:09.000+01:00'),
      notificationId: 'Q8rT1u2VwXyZ3a4B5c6D7',
      part: { key: 'Q8rT1u2VwXyZ3a4B5c6D7', total: null },
    });
    assert.deepEqual(second.part, { key: 'R9sU2v3WxYzA4b5C6d7E8', total: null });
  });

  const statuses: Array<[string, string, string | null]> = [
    ['sms:failed', 'failed', 'RESULT_ERROR_GENERIC_FAILURE'],
    ['sms:cancelled', 'failed', 'cancelled'],
  ];
  for (const [event, status, errorCode] of statuses) {
    it(`maps ${event} to ${status}`, () => {
      const body = JSON.stringify({
        event,
        id: 'e1',
        payload: { messageId: 'm1', reason: 'RESULT_ERROR_GENERIC_FAILURE', failedAt: '2026-11-20T15:04:09.000+01:00' },
      });
      assert.deepEqual([receipt(body).status, receipt(body).errorCode, receipt(body).notificationId], [status, errorCode, 'e1']);
    });
  }

  it('reads the failure reason of the sms:failed fixture', () => {
    assert.deepEqual(receipt(fixture('sms-failed.json')), {
      providerMessageId: 'msg_01KAQ3F9A1B2C3D4E5F6G7H8J9',
      status: 'failed',
      providerStatus: 'sms:failed',
      errorCode: 'RESULT_ERROR_GENERIC_FAILURE',
      providerTime: Date.parse('2026-11-20T15:04:09.000+01:00'),
      notificationId: 'F4iL3dE2vEnT1dX0yZ9w8',
    });
  });

  for (const event of ['system:ping', 'app:started', 'mms:received', 'sms:data-received']) {
    it(`acknowledges ${event} without storing it`, () => {
      const body =
        event === 'system:ping'
          ? fixture('system-ping.json')
          : JSON.stringify({ event, id: 'x1', payload: { messageId: 'm1', sender: '+15551234567' } });
      assert.equal(parse(body).kind, 'ignored');
    });
  }

  const received = JSON.parse(fixture('sms-received.json').toString()) as { payload: Record<string, unknown> };
  const withPayload = (changes: Record<string, unknown>) => JSON.stringify({ ...received, payload: { ...received.payload, ...changes } });
  const bad: Array<[string, WebhookRequest, string]> = [
    [
      'a form body',
      { ...signed(fixture('sms-received.json')), contentType: 'application/x-www-form-urlencoded' },
      'unsupported_media_type',
    ],
    ['truncated JSON', signed(Buffer.from('{"event":"sms:rec')), 'invalid_json'],
    ['an array', signed(Buffer.from('[]')), 'invalid_payload'],
    [
      'an event without id',
      signed(Buffer.from('{"event":"sms:received","payload":{"sender":"+15551234567","message":"hi"}}')),
      'invalid_payload',
    ],
    ['a payload that is an array', signed(Buffer.from('{"event":"sms:received","id":"e1","payload":[]}')), 'invalid_payload'],
    ['sms:received without message', signed(Buffer.from(withPayload({ message: undefined }))), 'invalid_payload'],
    ['a number for the message', signed(Buffer.from(withPayload({ message: 5 }))), 'invalid_payload'],
    ['an alphanumeric sender', signed(Buffer.from(withPayload({ sender: 'MyBank' }))), 'invalid_phone_number'],
    ['no sender at all', signed(Buffer.from(withPayload({ sender: null, phoneNumber: undefined }))), 'invalid_phone_number'],
    ['a receipt without messageId', signed(Buffer.from('{"event":"sms:delivered","id":"d1","payload":{}}')), 'invalid_payload'],
    [
      'partsCount as text',
      signed(Buffer.from('{"event":"sms:sent","id":"s1","payload":{"messageId":"m1","partsCount":"2"}}')),
      'invalid_payload',
    ],
  ];
  for (const [name, request, code] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      assert.throws(
        () => adapter.parse(request, channel(), 'events'),
        (e: unknown) => e instanceof ParleyError && e.code === code,
      );
    });
  }
});

describe('android-sms-gateway adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = {
    id: 'msg_01KAQ3F9A1B2C3D4E5F6G7H8J9',
    from: '+18005550100',
    to: '+15551234567',
    body: 'Reply YES to confirm',
    mediaUrls: [],
    statusCallbackUrl: null,
  };
  const sendResponse = JSON.parse(fixture('send-response.json').toString()) as Record<string, unknown>;

  it("posts the text with Parley's id, Basic auth and a delivery report request, and reads the gateway's id", async () => {
    api.next = { status: 202, body: sendResponse };
    assert.deepEqual(await adapter.send(message, channel({ api_url: api.url, device_id: 'PyDmBQZZXYmyxMwED8Fzy' })), {
      providerMessageId: message.id,
      status: 'queued',
    });
    assert.deepEqual(
      {
        method: api.last().method,
        path: api.last().path,
        authorization: api.last().headers.authorization,
        contentType: api.last().headers['content-type'],
        body: api.lastJson(),
      },
      {
        method: 'POST',
        path: '/3rdparty/v1/messages',
        authorization: `Basic ${Buffer.from('user:pass').toString('base64')}`,
        contentType: 'application/json',
        body: {
          id: message.id,
          textMessage: { text: 'Reply YES to confirm' },
          phoneNumbers: ['+15551234567'],
          withDeliveryReport: true,
          deviceId: 'PyDmBQZZXYmyxMwED8Fzy',
        },
      },
    );
  });

  it('sends without deviceId when the channel names no device, and maps the state', async () => {
    api.next = { status: 202, body: { ...sendResponse, state: 'Processed' } };
    assert.deepEqual(await adapter.send(message, channel({ api_url: api.url })), { providerMessageId: message.id, status: 'sending' });
    assert.equal('deviceId' in api.lastJson(), false);
  });

  it('takes a 409 (a message with this id exists) as the earlier send having gone through', async () => {
    api.next = { status: 409, body: { message: 'message with such ID already exists' } };
    assert.deepEqual(await adapter.send(message, channel({ api_url: api.url })), { providerMessageId: message.id, status: 'queued' });
  });

  it('refuses media without calling the gateway', async () => {
    const before = api.received.length;
    await assert.rejects(
      adapter.send({ ...message, mediaUrls: ['https://example.com/a.jpg'] }, channel({ api_url: api.url })),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected',
    );
    assert.equal(api.received.length, before);
  });

  const failures: Array<[string, Reply, string, string | null]> = [
    ['a 401', { status: 401, body: { message: 'Unauthorized' } }, 'rejected', '401'],
    ['a 400 (no device registered)', { status: 400, body: { message: 'No devices registered' } }, 'rejected', '400'],
    ['a 429', { status: 429, body: { message: 'Too Many Requests' } }, 'throttled', '429'],
    ['a 500', { status: 500, body: { message: "Can't select devices. Please contact support" } }, 'provider_unavailable', '500'],
    ['a 202 without an id', { status: 202, body: { state: 'Pending' } }, 'invalid_response', null],
    ['a 202 that is not JSON', { status: 202, body: 'accepted' }, 'invalid_response', null],
  ];
  for (const [name, reply, kind, code] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      api.next = reply;
      await assert.rejects(
        adapter.send(message, channel({ api_url: api.url })),
        (e: unknown) => e instanceof SendError && e.kind === kind && e.providerCode === code,
      );
    });
  }

  it('keeps the gateway message of a refusal', async () => {
    api.next = { status: 400, body: { message: 'No devices registered' } };
    await assert.rejects(adapter.send(message, channel({ api_url: api.url })), /No devices registered/);
  });

  it('classifies a refused connection and a gateway that never answers as connection failures', async () => {
    await assert.rejects(
      adapter.send(message, channel({ api_url: 'http://127.0.0.1:9' })),
      (e: unknown) => e instanceof SendError && e.kind === 'connection' && e.retryable,
    );
    api.next = { status: 202, body: sendResponse, hang: true };
    await assert.rejects(
      adapter.send(message, channel({ api_url: api.url, send_timeout: 150 })),
      (e: unknown) => e instanceof SendError && e.kind === 'connection',
    );
  });

  describe('against the test kit stand-in', () => {
    const kitApi = new ApiStandIn((request) => kit.answerSend(request));
    before(() => kitApi.start());
    after(() => kitApi.stop());

    it('is accepted, and a second send of the same message too', async () => {
      const ch = androidSmsGatewayChannelSchema.parse(kit.channel('phone', '+18005550100', kitApi.url, 'https://sms.example.com'));
      const kitMessage = { ...message, id: `msg_kit_${Date.now()}` };
      assert.deepEqual(await adapter.send(kitMessage, ch), { providerMessageId: kitMessage.id, status: 'queued' });
      assert.deepEqual(await adapter.send(kitMessage, ch), { providerMessageId: kitMessage.id, status: 'queued' });
      await assert.rejects(
        adapter.send(kitMessage, { ...ch, password: 'wrong' }),
        (e: unknown) => e instanceof SendError && e.kind === 'rejected',
      );
    });
  });
});
