import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookEvent, type WebhookRequest } from '../contract.js';
import { sinchAdapter, sinchApiUrl } from './adapter.js';
import { sinchChannelSchema, type SinchChannelConfig } from './config.js';
import { kit } from './test-kit.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url)).subarray(0, -1); // without the final newline
const secret = 'sinch-callback-secret-01';
const now = Date.parse('2026-11-20T15:04:10Z');
const nowSeconds = Math.floor(now / 1000);

function channel(extra: Partial<SinchChannelConfig> = {}): SinchChannelConfig {
  return {
    name: 'si',
    provider: 'sinch',
    numbers: ['+13185551234'],
    service_plan_id: 'plan1',
    api_token: 'token-0123456789',
    region: 'us',
    callback_secret: secret,
    verify: 'enforce',
    send_timeout: 2_000,
    ...extra,
  };
}

type Signing = {
  nonce?: string;
  timestamp?: number;
  key?: string;
  algorithm?: 'sha256' | 'sha512';
  headers?: Record<string, string | undefined>;
};

/** Signed here with node:crypto directly: base64 HMAC over `${body}.${nonce}.${timestamp}`. */
function signed(body: Buffer, options: Signing = {}): WebhookRequest {
  const nonce = options.nonce ?? '01FJA8B4A7BM43YGWSG9GBV067';
  const timestamp = String(options.timestamp ?? nowSeconds);
  const signature = createHmac(options.algorithm ?? 'sha256', options.key ?? secret)
    .update(`${body.toString('utf8')}.${nonce}.${timestamp}`)
    .digest('base64');
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'x-sinch-webhook-signature': signature,
    'x-sinch-webhook-signature-nonce': nonce,
    'x-sinch-webhook-signature-timestamp': timestamp,
    'x-sinch-webhook-signature-algorithm': options.algorithm === 'sha512' ? 'HmacSHA512' : 'HmacSHA256',
    ...options.headers,
  };
  return {
    method: 'POST',
    url: '/hooks/si/events',
    publicUrl: 'https://sms.example.com/hooks/si/events',
    headers,
    rawBody: body,
    contentType: 'application/json',
    receivedAt: now,
  };
}

const verdict = async (request: WebhookRequest, ch = channel()) => sinchAdapter.verify(request, ch);
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('sinch adapter: verify', () => {
  // The published vector: sinch/sinch-sdk-node packages/sdk-client/tests/utils/authorization.helper.test.ts,
  // "Webhook signature (Conversation API)", in the index's stored version (the commit was not shown);
  // the same vector is in sinch-sdk-java's and sinch-sdk-dotnet's tests. SMS callbacks use the same
  // headers and scheme.
  const published = {
    body: '{"app_id":"","accepted_time":"2021-10-18T17:49:13.813615Z","project_id":"e2df3a34-a71b-4448-9db5-a8d2baad28e4","contact_create_notification":{"contact":{"id":"01FJA8B466Y0R2GNXD78MD9SM1","channel_identities":[{"channel":"SMS","identity":"48123456789","app_id":""}],"display_name":"New Test Contact","email":"new.contact@email.com","external_id":"","metadata":"","language":"EN_US"}},"message_metadata":""}',
    nonce: '01FJA8B4A7BM43YGWSG9GBV067',
    timestamp: '1634579353',
    secret: 'foo_secret1234',
    signature: '6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE=',
  };
  const publishedRequest = (signature = published.signature, receivedAt = Number(published.timestamp) * 1000 + 30_000): WebhookRequest => ({
    ...signed(Buffer.from(published.body)),
    headers: {
      'x-sinch-webhook-signature': signature,
      'x-sinch-webhook-signature-nonce': published.nonce,
      'x-sinch-webhook-signature-timestamp': published.timestamp,
      'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
    },
    receivedAt,
  });
  it('accepts the published sinch-sdk-node vector', async () => {
    assert.deepEqual(await verdict(publishedRequest(), channel({ callback_secret: published.secret })), { ok: true });
  });
  it('rejects the published vector with "invalid-signature" (as the SDK test does)', async () => {
    assert.equal((await verdict(publishedRequest('invalid-signature'), channel({ callback_secret: published.secret }))).ok, false);
  });
  it('rejects the published vector a day later (its timestamp is outside 5 minutes)', async () => {
    const late = await verdict(
      publishedRequest(published.signature, Number(published.timestamp) * 1000 + 86_400_000),
      channel({ callback_secret: published.secret }),
    );
    assert.match(late.ok ? '' : late.reason, /86400 s from this server's clock/);
  });

  const body = fixture('mo-text.json');
  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['a correct signature', signed(body), true],
    ['HmacSHA512, when Sinch says so', signed(body, { algorithm: 'sha512' }), true],
    ['no algorithm header (SHA-256 is meant)', signed(body, { headers: { 'x-sinch-webhook-signature-algorithm': undefined } }), true],
    ['a timestamp 4 minutes old', signed(body, { timestamp: nowSeconds - 240 }), true],
    ['a timestamp 6 minutes old', signed(body, { timestamp: nowSeconds - 360 }), false],
    ['a timestamp 6 minutes ahead', signed(body, { timestamp: nowSeconds + 360 }), false],
    ['a timestamp in milliseconds', signed(body, { timestamp: now }), false],
    ['another secret', signed(body, { key: 'another-secret-entirely' }), false],
    ['a body changed after signing', { ...signed(body), rawBody: Buffer.from(body.toString().replace('SMS body', 'SMS bodx')) }, false],
    ['a nonce changed after signing', signed(body, { headers: { 'x-sinch-webhook-signature-nonce': 'another-nonce' } }), false],
    [
      'a SHA-256 signature announced as HmacSHA512',
      signed(body, { headers: { 'x-sinch-webhook-signature-algorithm': 'HmacSHA512' } }),
      false,
    ],
    ['an algorithm Sinch does not use', signed(body, { headers: { 'x-sinch-webhook-signature-algorithm': 'HmacMD5' } }), false],
    ['no nonce header', signed(body, { headers: { 'x-sinch-webhook-signature-nonce': undefined } }), false],
    ['no timestamp header', signed(body, { headers: { 'x-sinch-webhook-signature-timestamp': undefined } }), false],
    ['no signature header', signed(body, { headers: { 'x-sinch-webhook-signature': undefined } }), false],
    [
      'a hex signature instead of base64',
      signed(body, {
        headers: {
          'x-sinch-webhook-signature': createHmac('sha256', secret)
            .update(`${body.toString()}.01FJA8B4A7BM43YGWSG9GBV067.${nowSeconds}`)
            .digest('hex'),
        },
      }),
      false,
    ],
  ];
  for (const [name, request, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, async () => assert.equal((await verdict(request)).ok, ok));
  }

  describe('with Basic authentication set up with Sinch', () => {
    const credentials = { username: 'sinch', password: 'callback-password-01' };
    const basicOnly = channel({ callback_secret: undefined, callback_basic_auth: credentials });
    const unsigned = (authorization?: string): WebhookRequest => ({
      ...signed(body),
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    });
    const basicCases: Array<[string, WebhookRequest, SinchChannelConfig, boolean]> = [
      ['the agreed user and password', unsigned(basic('sinch', 'callback-password-01')), basicOnly, true],
      ['a lower-case scheme', unsigned(basic('sinch', 'callback-password-01').replace('Basic', 'basic')), basicOnly, true],
      ['a wrong password', unsigned(basic('sinch', 'callback-password-02')), basicOnly, false],
      ['a wrong user', unsigned(basic('other', 'callback-password-01')), basicOnly, false],
      ['no Authorization header', unsigned(), basicOnly, false],
      ['a Bearer token', unsigned('Bearer callback-password-01'), basicOnly, false],
      [
        'a signature but no Basic credentials, when both are configured',
        signed(body),
        channel({ callback_basic_auth: credentials }),
        false,
      ],
      [
        'both, when both are configured',
        { ...signed(body), headers: { ...signed(body).headers, authorization: basic('sinch', 'callback-password-01') } },
        channel({ callback_basic_auth: credentials }),
        true,
      ],
    ];
    for (const [name, request, ch, ok] of basicCases) {
      it(`${ok ? 'accepts' : 'rejects'} ${name}`, async () => assert.equal((await verdict(request, ch)).ok, ok));
    }
  });

  it('leaves the check to allow_ips when the channel has neither (the config requires allow_ips then)', async () => {
    const ipOnly = channel({ callback_secret: undefined, allow_ips: ['203.0.113.0/24'] });
    assert.deepEqual(await verdict({ ...signed(body), headers: {} }, ipOnly), { ok: true });
  });

  it('never puts a secret in its reasons', async () => {
    for (const request of [
      signed(body, { key: 'wrong-secret-123' }),
      signed(body, { headers: { 'x-sinch-webhook-signature': undefined } }),
    ]) {
      const result = await verdict(request);
      assert.equal(result.ok, false);
      assert.doesNotMatch(result.ok ? '' : result.reason, new RegExp(secret));
    }
  });
});

const parse = (body: Buffer | string, contentType: string | null = 'application/json'): WebhookEvent =>
  sinchAdapter.parse({ ...signed(Buffer.isBuffer(body) ? body : Buffer.from(body)), contentType }, channel(), 'events');

describe('sinch adapter: parse', () => {
  it('reads the SDK mo_text example, numbers without "+"', () => {
    assert.deepEqual(parse(fixture('mo-text.json')), {
      kind: 'inbound',
      message: {
        from: '+16051234567',
        to: '+13185551234',
        body: 'This is the SMS body',
        mediaUrls: [],
        providerMessageId: '01XXXXX21XXXXX119Z8P1XXXXX',
        providerTime: Date.parse('2024-01-10T08:49:58.429Z'),
      },
    });
  });
  it('reads mo_media: its text and its media URLs', () => {
    assert.deepEqual(parse(fixture('mo-media.json')), {
      kind: 'inbound',
      message: {
        from: '+16051234567',
        to: '+13185551234',
        body: 'Here is the damage',
        mediaUrls: ['https://mms.sinch.example/media/01HZX4M7QK/1.jpg'],
        providerMessageId: '01HZX4M7QK0000000000000001',
        providerTime: Date.parse('2026-11-20T15:04:05.000Z'),
      },
    });
  });
  it('reads the documented recipient report, whose code is the text "0"', () => {
    assert.deepEqual(parse(fixture('recipient-report-docs.json')), {
      kind: 'status',
      receipt: {
        providerMessageId: '{batch_id}',
        status: 'delivered',
        providerStatus: 'Delivered',
        errorCode: null,
        providerTime: Date.parse('2016-10-02T09:34:18.542Z'),
      },
    });
  });
  it("reads the SDK's failed report with its code", () => {
    assert.deepEqual(parse(fixture('recipient-report-failed-sdk.json')), {
      kind: 'status',
      receipt: {
        providerMessageId: '3-mbA7z9wDKY76ag',
        status: 'undelivered',
        providerStatus: 'Failed',
        errorCode: '11',
        providerTime: Date.parse('2016-12-05T16:24:23.318Z'),
      },
    });
  });
  it('reads a report with every field', () => {
    const event = parse(fixture('recipient-report-full.json'));
    assert.deepEqual(
      event.kind === 'status' && [
        event.receipt.providerMessageId,
        event.receipt.status,
        event.receipt.errorCode,
        event.receipt.parleyMessageId,
      ],
      ['01FC66621XXXXX119Z8PMV1QPQ', 'delivered', null, 'msg_01'],
      "client_reference is Parley's message id, set on the send",
    );
  });

  const report = (status: string, code: number | string = 0) =>
    JSON.stringify({
      type: 'recipient_delivery_report_sms',
      batch_id: 'b1',
      recipient: '15551234567',
      status,
      code,
      at: '2026-11-20T15:04:09Z',
    });
  const statuses: Array<[string, string | null]> = [
    ['Queued', 'queued'],
    ['Dispatched', 'sent'],
    ['Delivered', 'delivered'],
    ['Aborted', 'failed'],
    ['Cancelled', 'failed'],
    ['Rejected', 'failed'],
    ['Expired', 'failed'],
    ['Failed', 'undelivered'],
    ['Deleted', 'undelivered'],
    ['Unknown', 'sent'],
    ['DELIVERED', null],
    ['toString', null],
  ];
  for (const [sinch, parley] of statuses) {
    it(`maps ${sinch} to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = parse(report(sinch));
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.deepEqual(event.kind === 'status' && [event.receipt.status, event.receipt.providerStatus], [parley, sinch]);
    });
  }
  const codes: Array<[number | string, string | null]> = [
    [0, null],
    ['0', null],
    [400, null],
    [401, null],
    [402, '402'],
    ['418', '418'],
    [11, '11'],
  ];
  for (const [code, errorCode] of codes) {
    it(`keeps code ${JSON.stringify(code)} as ${errorCode === null ? 'no error' : `"${errorCode}"`}`, () => {
      const event = parse(report('Aborted', code));
      assert.equal(event.kind === 'status' && event.receipt.errorCode, errorCode);
    });
  }

  it('ignores batch summaries, MMS summaries and binary messages', () => {
    for (const body of [
      fixture('delivery-report-batch.json'),
      fixture('mo-binary.json'),
      Buffer.from('{"type":"delivery_report_mms","batch_id":"b"}'),
      Buffer.from('{"type":"something_new"}'),
    ]) {
      assert.equal(parse(body).kind, 'ignored');
    }
  });

  const bad: Array<[string, string, string, string?]> = [
    ['a message without an id', '{"type":"mo_text","from":"16051234567","to":"13185551234","body":"x"}', 'invalid_payload'],
    ['a report without a batch id', '{"type":"recipient_delivery_report_sms","status":"Delivered","code":0}', 'invalid_payload'],
    ['an unreadable sender', '{"type":"mo_text","id":"1","from":"nobody","to":"13185551234","body":"x"}', 'invalid_phone_number'],
    ['no recipient number', '{"type":"mo_text","id":"1","from":"16051234567","body":"x"}', 'invalid_phone_number'],
    ['a numeric body', '{"type":"mo_text","id":"1","from":"16051234567","to":"13185551234","body":5}', 'invalid_payload'],
    [
      'media as an object',
      '{"type":"mo_media","id":"1","from":"16051234567","to":"13185551234","body":{"media":{"url":"x"}}}',
      'invalid_payload',
    ],
    ['no type', '{"id":"1"}', 'invalid_payload'],
    ['an array', '[{"type":"mo_text"}]', 'invalid_payload'],
    ['not JSON', '{"type":', 'invalid_json'],
    ['a form body', 'type=mo_text', 'unsupported_media_type', 'application/x-www-form-urlencoded'],
  ];
  for (const [name, body, code, contentType] of bad) {
    it(`refuses ${name} with ${code}`, () =>
      assert.throws(
        () => parse(body, contentType ?? 'application/json'),
        (e: unknown) => e instanceof ParleyError && e.code === code,
      ));
  }
});

describe('sinch adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = {
    id: 'msg_01',
    from: '+13185551234',
    to: '+16051234567',
    body: 'Reply YES',
    mediaUrls: [],
    statusCallbackUrl: 'https://sms.example.com/hooks/si/status?parley_id=msg_01',
  };

  it("creates a batch of one with per-recipient reports, Parley's id as client_reference, and reads the batch id", async () => {
    api.next = { status: 201, body: { id: '01FC66621XXXXX119Z8PMV1QPQ', to: ['16051234567'], from: '13185551234', body: 'Reply YES' } };
    assert.deepEqual(await sinchAdapter.send(message, channel({ api_url: api.url })), {
      providerMessageId: '01FC66621XXXXX119Z8PMV1QPQ',
      status: 'queued',
    });
    assert.deepEqual(
      { method: api.last().method, path: api.last().path, authorization: api.last().headers.authorization, body: api.lastJson() },
      {
        method: 'POST',
        path: '/xms/v1/plan1/batches',
        authorization: 'Bearer token-0123456789',
        body: {
          from: message.from,
          to: [message.to],
          delivery_report: 'per_recipient',
          client_reference: 'msg_01',
          callback_url: message.statusCallbackUrl,
          type: 'mt_text',
          body: message.body,
        },
      },
    );
  });

  it('sends media as an mt_media batch with one file, further files as links in the text', async () => {
    api.next = { status: 201, body: { id: 'b2' } };
    await sinchAdapter.send(
      { ...message, mediaUrls: ['https://example.com/a.jpg', 'https://example.com/b.jpg'], statusCallbackUrl: null },
      channel({ api_url: api.url }),
    );
    assert.deepEqual(api.lastJson(), {
      from: message.from,
      to: [message.to],
      delivery_report: 'per_recipient',
      client_reference: 'msg_01',
      type: 'mt_media',
      body: { url: 'https://example.com/a.jpg', message: 'Reply YES\nhttps://example.com/b.jpg' },
    });
  });

  const failures: Array<[string, Reply | 'closed', string, string | null]> = [
    [
      'a 400 syntax error',
      { status: 400, body: { code: 'syntax_invalid_parameter_format', text: 'Parameter to is invalid' } },
      'rejected',
      'syntax_invalid_parameter_format',
    ],
    ['a 401', { status: 401, body: { code: 'unauthorized', text: 'Invalid credentials' } }, 'rejected', 'unauthorized'],
    ['a 403 without a body', { status: 403, body: '' }, 'rejected', '403'],
    ['a 429', { status: 429, body: {} }, 'throttled', '429'],
    ['a 503', { status: 503, body: {} }, 'provider_unavailable', '503'],
    ['a 201 without an id', { status: 201, body: {} }, 'invalid_response', null],
    ['a 201 with a numeric id', { status: 201, body: { id: 7 } }, 'invalid_response', null],
    ['a closed port', 'closed', 'connection', null],
    ['no answer before send_timeout', { status: 201, body: {}, hang: true }, 'connection', null],
  ];
  for (const [name, reply, kind, code] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      if (reply !== 'closed') api.next = reply;
      const ch = channel({ api_url: reply === 'closed' ? 'http://127.0.0.1:9' : api.url, send_timeout: 300 });
      await assert.rejects(
        sinchAdapter.send(message, ch),
        (e: unknown) => e instanceof SendError && e.kind === kind && e.providerCode === code,
      );
    });
  }

  it("uses the region's host when there is no api_url", () => {
    assert.equal(sinchApiUrl('us'), 'https://us.sms.api.sinch.com');
    assert.equal(sinchApiUrl('eu'), 'https://eu.sms.api.sinch.com');
  });
});

describe("sinch adapter: against the test kit's stand-in for the batches API", () => {
  const kitApi = new ApiStandIn((request) => kit.answerSend(request));
  before(() => kitApi.start());
  after(() => kitApi.stop());
  const kitChannel = () => sinchChannelSchema.parse(kit.channel('si', '+13185551234', kitApi.url, 'https://sms.example.com'));
  const message = { id: 'msg_02', from: '+13185551234', to: '+16051234567', body: 'Hi', mediaUrls: [], statusCallbackUrl: null };

  it("is accepted with the channel's token", async () => assert.equal((await sinchAdapter.send(message, kitChannel())).status, 'queued'));
  it('is refused with another token', async () => {
    await assert.rejects(
      sinchAdapter.send(message, { ...kitChannel(), api_token: 'wrong-token-000' }),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected' && e.providerCode === 'unauthorized',
    );
  });
  it('is refused for another service plan', async () => {
    await assert.rejects(
      sinchAdapter.send(message, { ...kitChannel(), service_plan_id: 'otherplan' }),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected',
    );
  });
  it("the kit's signed callbacks pass the adapter's verify and parse", async () => {
    const ch = kitChannel();
    const signedCallback = kit.status(
      { providerMessageId: 'B1', from: '+13185551234', to: '+16051234567', delivered: false },
      'https://sms.example.com/hooks/si/events',
    );
    const request: WebhookRequest = {
      method: 'POST',
      url: '/hooks/si/events',
      publicUrl: signedCallback.url,
      headers: signedCallback.headers,
      rawBody: Buffer.from(signedCallback.body),
      contentType: 'application/json',
      receivedAt: Date.now(),
    };
    assert.deepEqual(await sinchAdapter.verify(request, ch), { ok: true });
    const event = sinchAdapter.parse(request, ch, 'events');
    assert.deepEqual(event.kind === 'status' && [event.receipt.providerMessageId, event.receipt.status, event.receipt.errorCode], [
      'B1',
      'undelivered',
      '11',
    ]);
  });
});

describe('sinch channel config', () => {
  const base = { name: 'si', provider: 'sinch', numbers: ['+13185551234'], service_plan_id: 'plan1', api_token: 'token-0123456789' };
  it('takes a callback secret, Basic credentials, or allow_ips, and defaults the region to us', () => {
    for (const extra of [
      { callback_secret: 'secret-123' },
      { callback_basic_auth: { username: 'u', password: 'password-1' } },
      { allow_ips: ['203.0.113.0/24'] },
    ]) {
      const parsed = sinchChannelSchema.safeParse({ ...base, ...extra });
      assert.equal(parsed.success, true, JSON.stringify(parsed.error?.issues));
      assert.equal(parsed.data?.region, 'us');
    }
  });
  it('refuses a channel with no way to authenticate callbacks, and says what to set', () => {
    const parsed = sinchChannelSchema.safeParse(base);
    assert.equal(parsed.success, false);
    assert.match(parsed.error.issues[0]!.message, /callback_secret.*callback_basic_auth.*allow_ips/);
  });
  it('refuses an unknown region and a service plan id that is not an id', () => {
    assert.equal(sinchChannelSchema.safeParse({ ...base, callback_secret: 'secret-123', region: 'asia' }).success, false);
    assert.equal(sinchChannelSchema.safeParse({ ...base, callback_secret: 'secret-123', service_plan_id: '../admin' }).success, false);
  });
});
