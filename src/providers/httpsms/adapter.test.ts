import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type StatusReceipt, type VerifyResult, type WebhookRequest } from '../contract.js';
import { httpsmsAdapter as adapter } from './adapter.js';
import { httpsmsChannelSchema, type HttpsmsChannelConfig } from './config.js';
import { kit } from './test-kit.js';

// httpSMS publishes no token vector: its webhook service (NdoleStudio/httpsms
// api/pkg/services/webhook_service.go @ 3d3c04f682fc0b86b67145f7531d4f9e142bddfa, getAuthToken) signs
// golang-jwt StandardClaims with HS256 and the webhook's signing key: aud = the webhook URL (a string),
// iss "api.httpsms.com", sub = the user id, iat = now, nbf = now − 10 min, exp = now + 10 min.
// The tokens below are built the same way with node:crypto, independently of the adapter's jose.

/** A fixture file without its final newline: the bytes httpSMS would post. */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url)).subarray(0, -1);
const key = 'httpsms-signing-key-0123';
const url = 'https://sms.example.com/hooks/hs/events';
const now = Date.parse('2026-11-23T15:04:10Z');
const nowSeconds = Math.floor(now / 1000);
// [DERIVED] the token httpSMS would send to `url` at 1795446250 under `key` (sub XtABz6zdeFMoBLoltz6SREDvRSh2).
const derivedToken =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL3Ntcy5leGFtcGxlLmNvbS9ob29rcy9ocy9ldmVudHMiLCJleHAiOjE3OTU0NDY4NTAsImlhdCI6MTc5NTQ0NjI1MCwiaXNzIjoiYXBpLmh0dHBzbXMuY29tIiwibmJmIjoxNzk1NDQ1NjUwLCJzdWIiOiJYdEFCejZ6ZGVGTW9CTG9sdHo2U1JFRHZSU2gyIn0.GUDqp7pTeNc4fruGfwKwySdf0YOvT5YOjr61ZS2PKrA';

function channel(extra: Partial<HttpsmsChannelConfig> = {}): HttpsmsChannelConfig {
  return {
    name: 'hs',
    provider: 'httpsms',
    numbers: ['+18005550199'],
    api_key: 'api-key-0123',
    signing_key: key,
    verify: 'enforce',
    send_timeout: 2_000,
    ...extra,
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function token(
  options: { key?: string; aud?: unknown; iss?: string; at?: number; alg?: string; claims?: Record<string, unknown> } = {},
): string {
  const at = options.at ?? nowSeconds;
  const header = b64({ alg: options.alg ?? 'HS256', typ: 'JWT' });
  const claims = b64({
    aud: options.aud ?? url,
    exp: at + 600,
    iat: at,
    iss: options.iss ?? 'api.httpsms.com',
    nbf: at - 600,
    sub: 'XtABz6zdeFMoBLoltz6SREDvRSh2',
    ...options.claims,
  });
  const signature =
    options.alg === 'none'
      ? ''
      : createHmac('sha256', options.key ?? key)
          .update(`${header}.${claims}`)
          .digest('base64url');
  return `${header}.${claims}.${signature}`;
}

function request(body: Buffer | string, authorization: string | null, publicUrl = url): WebhookRequest {
  const headers = {
    'content-type': 'application/json',
    'x-event-type': 'message.phone.received',
    ...(authorization === null ? {} : { authorization }),
  };
  return {
    method: 'POST',
    url: new URL(publicUrl).pathname + new URL(publicUrl).search,
    publicUrl,
    headers,
    rawBody: Buffer.from(body),
    contentType: 'application/json',
    receivedAt: now,
  };
}

const verdict = (req: WebhookRequest, ch = channel()): Promise<VerifyResult> => Promise.resolve(adapter.verify(req, ch));

describe('httpsms adapter: verify', () => {
  const body = fixture('message-phone-received.json');

  it('builds the [DERIVED] token the way httpSMS does, and accepts it', async () => {
    assert.equal(token(), derivedToken);
    assert.deepEqual(await verdict(request(body, `Bearer ${derivedToken}`)), { ok: true });
  });

  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['a token for this URL', request(body, `Bearer ${token()}`), true],
    ['an audience given as a list', request(body, `Bearer ${token({ aud: [url] })}`), true],
    ['a token for the URL without the query Parley sees', request(body, `Bearer ${token()}`, `${url}?channel=hs`), true],
    ['a token for the URL with its query', request(body, `Bearer ${token({ aud: `${url}?channel=hs` })}`, `${url}?channel=hs`), true],
    ['a token issued 9 minutes ago', request(body, `Bearer ${token({ at: nowSeconds - 540 })}`), true],
    ['a lower-case "bearer"', request(body, `bearer ${token()}`), true],
    ['a token for another URL', request(body, `Bearer ${token({ aud: 'https://elsewhere.example/hook' })}`), false],
    ['a token for the http:// URL', request(body, `Bearer ${token({ aud: url.replace('https', 'http') })}`), false],
    ['a token without audience', request(body, `Bearer ${token({ aud: null, claims: { aud: undefined } })}`), false],
    ['a token from another issuer', request(body, `Bearer ${token({ iss: 'example.com' })}`), false],
    ['a token made with another key', request(body, `Bearer ${token({ key: 'another-key-entirely-0123' })}`), false],
    ['a token issued 20 minutes ago (expired)', request(body, `Bearer ${token({ at: nowSeconds - 1200 })}`), false],
    ['a token issued 20 minutes ahead (not yet valid)', request(body, `Bearer ${token({ at: nowSeconds + 1200 })}`), false],
    ['an unsigned token (alg none)', request(body, `Bearer ${token({ alg: 'none' })}`), false],
    ['an HS512 token', request(body, `Bearer ${token({ alg: 'HS512' })}`), false],
    [
      'a token with one signature byte changed',
      request(body, `Bearer ${derivedToken.slice(0, -2)}${derivedToken.endsWith('AA') ? 'AB' : 'AA'}`),
      false,
    ],
    ['Basic credentials', request(body, `Basic ${Buffer.from('user:pass').toString('base64')}`), false],
    ['garbage', request(body, 'Bearer not.a.jwt'), false],
    ['no Authorization header', request(body, null), false],
  ];
  for (const [name, req, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, async () => assert.equal((await verdict(req)).ok, ok));
  }

  it('explains an audience mismatch with both URLs, never the key', async () => {
    const result = await verdict(request(body, `Bearer ${token({ aud: 'https://elsewhere.example/hook' })}`));
    assert.ok(!result.ok);
    assert.match(result.reason, /https:\/\/elsewhere\.example\/hook/);
    assert.match(result.reason, /checked against the URL https:\/\/sms\.example\.com\/hooks\/hs\/events/);
    assert.match(result.reason, /public_url/);
    const wrongKey = await verdict(request(body, `Bearer ${token({ key: 'another-key-entirely-0123' })}`));
    assert.ok(!wrongKey.ok && /signing_key/.test(wrongKey.reason) && !wrongKey.reason.includes(key));
  });

  it('accepts what the test kit sends, with the channel block it gives', async () => {
    const ch = httpsmsChannelSchema.parse(kit.channel('hs', '+18005550199', 'http://127.0.0.1:9', 'https://sms.example.com'));
    const signed = kit.inbound({ from: '+15551234567', to: '+18005550199', body: 'YES', id: 'k1' }, url);
    const req = { ...request(signed.body, signed.headers.authorization!), receivedAt: Date.now() };
    assert.deepEqual(await verdict(req, ch), { ok: true });
  });

  it('requires a signing key in the channel block: unsigned webhooks are never accepted', () => {
    const block = kit.channel('hs', '+18005550199', 'http://127.0.0.1:9', 'https://sms.example.com');
    assert.equal(httpsmsChannelSchema.safeParse({ ...block, signing_key: undefined }).success, false);
    assert.equal(httpsmsChannelSchema.safeParse({ ...block, signing_key: 'short' }).success, false);
  });
});

const parse = (body: Buffer | string) => adapter.parse(request(body, null), channel(), 'events');
const receipt = (body: Buffer | string): StatusReceipt => {
  const event = parse(body);
  return event.kind === 'status' ? event.receipt : assert.fail(`expected a receipt, got ${event.kind}`);
};

describe('httpsms adapter: parse', () => {
  it('reads the documented message.phone.received example: contact → from, owner → to', () => {
    assert.deepEqual(parse(fixture('message-phone-received.json')), {
      kind: 'inbound',
      message: {
        from: '+18005550100',
        to: '+18005550199',
        body: 'This is a test incoming message',
        mediaUrls: [],
        providerMessageId: '0b0123bb-ef2e-468f-908a-c026d51636aa',
        providerTime: Date.parse('2023-06-29T03:21:19.814Z'),
      },
    });
  });

  it('reads message.phone.delivered by data.id, deduplicated by the CloudEvent id', () => {
    assert.deepEqual(receipt(fixture('message-phone-delivered.json')), {
      providerMessageId: '32343a19-da5e-4b1b-a767-3298a73703cb',
      status: 'delivered',
      providerStatus: 'message.phone.delivered',
      errorCode: null,
      providerTime: Date.parse('2026-11-20T15:04:09.000Z'),
      notificationId: 'a1b2c3d4-0000-4000-8000-000000000001',
    });
  });

  const receipts: Array<[string, string, string, string | null]> = [
    ['message-phone-sent.json', 'sent', '32343a19-da5e-4b1b-a767-3298a73703cb', null],
    ['message-send-failed.json', 'failed', '32343a19-da5e-4b1b-a767-3298a73703cc', 'RESULT_ERROR_NO_SERVICE'],
    // message.send.expired names the message `message_id`.
    ['message-send-expired.json', 'failed', '32343a19-da5e-4b1b-a767-3298a73703cd', null],
  ];
  for (const [file, status, id, errorCode] of receipts) {
    it(`maps ${file.replace('.json', '')} to ${status}`, () => {
      const r = receipt(fixture(file));
      assert.deepEqual(
        [r.status, r.providerMessageId, r.errorCode, r.providerStatus],
        [status, id, errorCode, (JSON.parse(fixture(file).toString()) as { type: string }).type],
      );
    });
  }

  it('ignores heartbeats, missed calls and other events', () => {
    assert.equal(parse(fixture('phone-heartbeat-offline.json')).kind, 'ignored');
    assert.equal(
      parse('{"id":"e1","type":"message.call.missed","data":{"owner":"+18005550199","contact":"+15551234567"}}').kind,
      'ignored',
    );
  });

  const received = JSON.parse(fixture('message-phone-received.json').toString()) as { data: Record<string, unknown> };
  const withData = (changes: Record<string, unknown>) => JSON.stringify({ ...received, data: { ...received.data, ...changes } });
  const bad: Array<[string, WebhookRequest, string]> = [
    [
      'a form body',
      { ...request(fixture('message-phone-received.json'), null), contentType: 'application/x-www-form-urlencoded' },
      'unsupported_media_type',
    ],
    [
      'cloudevents+json is JSON too: truncated',
      { ...request('{"id":', null), contentType: 'application/cloudevents+json' },
      'invalid_json',
    ],
    ['an array', request('[]', null), 'invalid_payload'],
    ['an event without id', request(JSON.stringify({ ...received, id: undefined }), null), 'invalid_payload'],
    ['data that is a string', request(JSON.stringify({ ...received, data: 'x' }), null), 'invalid_payload'],
    ['a received message without message_id', request(withData({ message_id: undefined }), null), 'invalid_payload'],
    ['a received message without content', request(withData({ content: null }), null), 'invalid_payload'],
    ['a number for the contact', request(withData({ contact: 18005550100 }), null), 'invalid_payload'],
    ['an unreadable contact', request(withData({ contact: 'Mum' }), null), 'invalid_phone_number'],
    ['a receipt without data.id', request('{"id":"e1","type":"message.phone.delivered","data":{}}', null), 'invalid_payload'],
  ];
  for (const [name, req, code] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      assert.throws(
        () => adapter.parse(req, channel(), 'events'),
        (e: unknown) => e instanceof ParleyError && e.code === code,
      );
    });
  }
});

describe('httpsms adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = { id: 'msg_01', from: '+18005550199', to: '+15551234567', body: 'Reply YES', mediaUrls: [], statusCallbackUrl: null };

  it("sends with the API key and Parley's id as request_id, reading data.id (httpsms-go stub)", async () => {
    api.next = { status: 200, body: JSON.parse(fixture('send-response-go-sdk.json').toString()) as unknown };
    assert.deepEqual(await adapter.send(message, channel({ api_url: api.url })), {
      providerMessageId: '32343a19-da5e-4b1b-a767-3298a73703cb',
      status: 'queued',
    });
    assert.deepEqual(
      { method: api.last().method, path: api.last().path, apiKey: api.last().headers['x-api-key'], body: api.lastJson() },
      {
        method: 'POST',
        path: '/v1/messages/send',
        apiKey: 'api-key-0123',
        body: { from: '+18005550199', to: '+15551234567', content: 'Reply YES', request_id: 'msg_01' },
      },
    );
  });

  it('reads the status the answer carries (httpsms-node fixture)', async () => {
    api.next = { status: 200, body: JSON.parse(fixture('send-response-node-sdk.json').toString()) as unknown };
    assert.deepEqual(await adapter.send(message, channel({ api_url: api.url })), {
      providerMessageId: '32b0774a-5094-4b58-9efa-57bc4bb08204',
      status: 'delivered',
    });
  });

  it('refuses media without calling httpSMS', async () => {
    const before = api.received.length;
    await assert.rejects(
      adapter.send({ ...message, mediaUrls: ['https://example.com/a.jpg'] }, channel({ api_url: api.url })),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected',
    );
    assert.equal(api.received.length, before);
  });

  const failures: Array<[string, Reply, string, RegExp]> = [
    [
      'a 422 (validation)',
      {
        status: 422,
        body: {
          data: { to: ['The to field must be a valid E.164 phone number.'] },
          message: 'validation errors while sending message',
          status: 'error',
        },
      },
      'rejected',
      /validation errors/,
    ],
    [
      'a 401',
      { status: 401, body: { message: 'You are not authorized to carry out this request.', status: 'error' } },
      'rejected',
      /not authorized/,
    ],
    [
      'a 402 (plan limit)',
      { status: 402, body: { message: 'You have exceeded the limit of your plan', status: 'error' } },
      'rejected',
      /limit/,
    ],
    ['a 429', { status: 429, body: { message: 'Too Many Requests', status: 'error' } }, 'throttled', /Too Many/],
    [
      'a 500',
      { status: 500, body: { message: 'We ran into an internal error while handling the request.', status: 'error' } },
      'provider_unavailable',
      /internal error/,
    ],
    [
      'a 200 without data.id',
      { status: 200, body: { status: 'success', message: 'message added to queue', data: {} } },
      'invalid_response',
      /data\.id/,
    ],
  ];
  for (const [name, reply, kind, text] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      api.next = reply;
      await assert.rejects(
        adapter.send(message, channel({ api_url: api.url })),
        (e: unknown) => e instanceof SendError && e.kind === kind && text.test(e.message),
      );
    });
  }

  it('classifies a refused connection and a timeout as connection failures', async () => {
    await assert.rejects(
      adapter.send(message, channel({ api_url: 'http://127.0.0.1:9' })),
      (e: unknown) => e instanceof SendError && e.kind === 'connection',
    );
    api.next = { status: 200, body: {}, hang: true };
    await assert.rejects(
      adapter.send(message, channel({ api_url: api.url, send_timeout: 150 })),
      (e: unknown) => e instanceof SendError && e.kind === 'connection',
    );
  });

  describe('against the test kit stand-in', () => {
    const kitApi = new ApiStandIn((request) => kit.answerSend(request));
    before(() => kitApi.start());
    after(() => kitApi.stop());

    it('is accepted with the kit channel, and refuses a wrong key or a bad number', async () => {
      const ch = httpsmsChannelSchema.parse(kit.channel('hs', '+18005550199', kitApi.url, 'https://sms.example.com'));
      assert.equal((await adapter.send(message, ch)).status, 'queued');
      await assert.rejects(
        adapter.send(message, { ...ch, api_key: 'wrong' }),
        (e: unknown) => e instanceof SendError && e.kind === 'rejected',
      );
      await assert.rejects(adapter.send({ ...message, to: '555' }, ch), /validation errors/);
    });
  });
});
