import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type StatusReceipt, type VerifyResult, type WebhookEvent, type WebhookRequest } from '../contract.js';
import { vonageAdapter } from './adapter.js';
import { vonageSignature } from './verify.js';
import { vonageChannelSchema, type VonageChannelConfig } from './config.js';
import { kit } from './test-kit.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const secret = 'my_secret_key_for_testing';
type Method = VonageChannelConfig['signature_method'];

function channel(extra: Partial<VonageChannelConfig> = {}): VonageChannelConfig {
  return {
    name: 'vg',
    provider: 'vonage',
    numbers: ['+16105553939'],
    api_key: 'a1234567',
    api_secret: 'api-secret-1',
    signature_secret: secret,
    signature_method: 'md5hash',
    verify: 'enforce',
    send_timeout: 2_000,
    ...extra,
  };
}

function request(overrides: Partial<WebhookRequest>): WebhookRequest {
  return {
    method: 'POST',
    url: '/hooks/vg/inbound',
    publicUrl: 'https://sms.example.com/hooks/vg/inbound',
    headers: {},
    rawBody: Buffer.alloc(0),
    contentType: null,
    receivedAt: Date.now(),
    ...overrides,
  };
}

const getRequest = (query: string, receivedAt = Date.now()) =>
  request({ method: 'GET', url: `/hooks/vg/inbound?${query}`, publicUrl: `https://sms.example.com/hooks/vg/inbound?${query}`, receivedAt });
const formRequest = (body: string, receivedAt = Date.now(), url = '/hooks/vg/inbound') =>
  request({ url, rawBody: Buffer.from(body), contentType: 'application/x-www-form-urlencoded; charset=UTF-8', receivedAt });
const jsonRequest = (body: string, receivedAt = Date.now(), headers: WebhookRequest['headers'] = {}) =>
  request({ rawBody: Buffer.from(body), contentType: 'application/json', receivedAt, headers });

const verify = (req: WebhookRequest, ch = channel()) => Promise.resolve(vonageAdapter.verify(req, ch));
const reasonOf = (verdict: VerifyResult) => (verdict.ok ? '' : verdict.reason);

describe('vonage adapter: the published sig vectors', () => {
  // Vonage/vonage-php-sdk-core test/Client/SignatureTest.php @ 002c7200488e0ceb99ce52da8cf82e84b3c2efa9:
  // signatures() and hmacSignatureProvider(). The first five also are Vonage/vonage-node-sdk
  // packages/sms/__tests__/__dataSets__/signature.ts @ 4b9aab742201500aeb28466e027a81e1ddc8aea5.
  const inbound = {
    'message-timestamp': '2013-11-21 15:27:30',
    messageId: '020000001B0FE827',
    msisdn: '14843472194',
    text: 'Test again',
    timestamp: '1385047698',
    to: '13239877404',
    type: 'text',
  };
  const outbound = {
    api_key: 'fake_api_key',
    to: '14155550100',
    from: 'AcmeInc',
    text: 'Test From Nexmo',
    type: 'text',
    timestamp: '1540924779',
  };
  const outboundSecret = '71efab63122f1d179f51c46bac838fb5';
  const vectors: Array<[Method, Record<string, string>, string, string]> = [
    ['md5hash', inbound, secret, 'd2e7b1dc968737c5998ad624e02f90b7'],
    ['md5', inbound, secret, 'DDEBD46008C2D4E93CCE578A332A52D5'],
    ['sha1', inbound, secret, '27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A'],
    ['sha256', inbound, secret, 'DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330'],
    [
      'sha512',
      inbound,
      secret,
      'E0D3C650F8C9D1A5C174D10DDDBFB003E561F59B265616208B0487C5D819481CD3C311D59CF6165ECD1139622D5BA3A256C0D763AC4A9AD9144B5A426B94FE82',
    ],
    ['md5hash', { ...inbound, sig: 'd2e7b1dc968737c5998ad624e02f90b7' }, secret, 'd2e7b1dc968737c5998ad624e02f90b7'],
    [
      'md5hash',
      {
        'message-timestamp': '2013-11-21 17:31:42',
        messageId: '030000002A264B8B',
        msisdn: '14843472194',
        text: 'Message test',
        timestamp: '1385055102',
        to: '14849970568',
        type: 'text',
        sig: 'f0bfad43bd90cf1ea1f1525c18ba4dab',
      },
      '',
      'f0bfad43bd90cf1ea1f1525c18ba4dab',
    ],
    [
      'md5hash',
      {
        'message-timestamp': '2013-11-21 17:37:31',
        messageId: '030000002A267DBB',
        msisdn: '14843472194',
        text: 'One more time',
        timestamp: '1385055451',
        to: '14849970568',
        type: 'text',
        sig: '83c052a82906ec7c116e16f6d92f7eee',
      },
      secret,
      '83c052a82906ec7c116e16f6d92f7eee',
    ],
    [
      'md5hash',
      {
        keyword: 'TESTINGS',
        'message-timestamp': '2017-04-04 23:05:22',
        messageId: '0C00000027217D5B',
        msisdn: '14843472194',
        nonce: 'c4ab6ed2-9bf5-48a0-af91-107e29bdd399',
        sig: 'ff933bf31c79ab3fc6a38d100191c48f',
        text: 'Testings',
        timestamp: '1491347122',
        to: '12192259404',
        type: 'text',
      },
      secret,
      'ff933bf31c79ab3fc6a38d100191c48f',
    ],
    [
      'md5hash',
      {
        keyword: 'TEST',
        'message-timestamp': '2017-04-04 22:57:47',
        messageId: '0B00000042AC53BD',
        msisdn: '14843472194',
        nonce: '929d6744-bd28-42c8-b6cf-31d5b4f43732',
        sig: 'e06d9763e3fd0b9c31beb5fc2fcb011c',
        text: 'Test with & and =',
        timestamp: '1491346667',
        to: '12192259404',
        type: 'text',
      },
      secret,
      'e06d9763e3fd0b9c31beb5fc2fcb011c',
    ],
    // The PHP array names `text` twice; PHP keeps the last.
    [
      'md5hash',
      { api_key: 'not_a_key', from: '12192259404', text: 'Test&test=something', timestamp: '1490638615', to: '14843472194' },
      secret,
      '17f5e3b22f778ec73464c01d180e9d0f',
    ],
    ['md5', outbound, outboundSecret, '51CDAFEBB4BBCE9525B195C1617CB8D2'],
    ['sha1', outbound, outboundSecret, '0162AEC64BC183B2E1256545951FE5639DC98020'],
    ['sha256', outbound, outboundSecret, '9FEC5EF6D0F2B3D2BB7558B6E4042569823CAB9EA0DD30503472B7B304601975'],
    [
      'sha512',
      outbound,
      outboundSecret,
      '40BD12B9A4B6000AD1138EEFD24FFE9FBD72AEE13C3FA04B32BB69DBC256AD0A04A463B1A9AF6660D10F6E1E769EE14B9CFF6A635502E93AFCD0BFAB29F38F87',
    ],
  ];
  for (const [method, params, key, expected] of vectors) {
    const name = `${method} ${expected.slice(0, 12)}…`;
    it(`${name}: computed`, () => assert.equal(vonageSignature(new Map(Object.entries(params)), key, method), expected.toLowerCase()));
    it(`${name}: accepted by verify as a signed GET, the hex as published`, async () => {
      const query = new URLSearchParams({ ...params, sig: expected }).toString();
      const receivedAt = Number(params.timestamp) * 1000 + 30_000;
      assert.deepEqual(await verify(getRequest(query, receivedAt), channel({ signature_method: method, signature_secret: key })), {
        ok: true,
      });
    });
  }
  it('a published vector refused when one character of the text changes', async () => {
    const query = new URLSearchParams({ ...inbound, text: 'Test agaiN', sig: 'd2e7b1dc968737c5998ad624e02f90b7' }).toString();
    assert.equal((await verify(getRequest(query, 1385047698_000))).ok, false);
  });
});

describe('vonage adapter: the published JWT vector', () => {
  // Vonage/vonage-python-sdk jwt/tests/test_verify_jwt.py @ 445cab802b0f9d61d8e036b146bf67102d5051f6: an HS256
  // token that verifies with "qwertyuiopasdfghjklzxcvbnm123456" and not with "asdf". It has no
  // payload_hash, so Parley refuses it after the signature passes; the reasons tell the two apart.
  const token =
    'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPbmxpbmUgSldUIEJ1aWxkZXIiLCJpYXQiOjE2OTc2MzQ2ODAsImV4cCI6MzMyNTQ1NDA4MjgsImF1ZCI6IiIsInN1YiI6IiJ9.88vJc3I2HhuqEDixHXVhc9R30tA6U_HQHZTC29y6CGM';
  const req = jsonRequest(fixture('messages-inbound-sms.json'), 1697634680_000, { authorization: `Bearer ${token}` });
  it('its signature verifies with the published secret', async () => {
    assert.match(reasonOf(await verify(req, channel({ signature_secret: 'qwertyuiopasdfghjklzxcvbnm123456' }))), /no payload_hash claim/);
  });
  it('its signature does not verify with another secret', async () => {
    assert.match(reasonOf(await verify(req, channel({ signature_secret: 'asdf' }))), /does not verify as HS256/);
  });
});

/** Vonage's sig computed here with node:crypto, apart from the adapter. */
function sign(params: Record<string, string>, method: Method = 'md5hash', key = secret): Record<string, string> {
  const input = Object.keys(params)
    .sort()
    .map((k) => `&${k}=${params[k]!.replace(/[&=]/g, '_')}`)
    .join('');
  const sig =
    method === 'md5hash'
      ? createHash('md5')
          .update(input + key)
          .digest('hex')
      : createHmac(method, key).update(input).digest('hex').toUpperCase();
  return { ...params, sig };
}

describe('vonage adapter: verify, SMS API sig', () => {
  const now = Date.parse('2026-11-20T15:04:05Z');
  const seconds = String(now / 1000);
  const inbound = {
    msisdn: '14845552121',
    to: '16105553939',
    messageId: '02000000DA7C52E7',
    text: 'Test & this = ok',
    type: 'text',
    keyword: 'TEST',
    'message-timestamp': '2026-11-20 15:04:01',
    timestamp: seconds,
    nonce: 'n-1',
  };
  const form = (params: Record<string, string>) => formRequest(new URLSearchParams(params).toString(), now);
  const get = (params: Record<string, string>) => getRequest(new URLSearchParams(params).toString(), now);
  const json = (params: Record<string, string>) => jsonRequest(JSON.stringify(params), now);

  const cases: Array<[string, WebhookRequest, VonageChannelConfig, boolean]> = [
    ['a signed GET', get(sign(inbound)), channel(), true],
    ['a signed form POST', form(sign(inbound)), channel(), true],
    ['a signed JSON POST', json(sign(inbound)), channel(), true],
    ['md5 HMAC, upper-case hex', form(sign(inbound, 'md5')), channel({ signature_method: 'md5' }), true],
    ['sha1 HMAC', form(sign(inbound, 'sha1')), channel({ signature_method: 'sha1' }), true],
    ['sha256 HMAC', get(sign(inbound, 'sha256')), channel({ signature_method: 'sha256' }), true],
    ['sha512 HMAC', json(sign(inbound, 'sha512')), channel({ signature_method: 'sha512' }), true],
    [
      'a signed receipt without timestamp (Vonage lists it as optional)',
      form(sign({ messageId: '1', status: 'delivered', 'err-code': '0' })),
      channel(),
      true,
    ],
    [
      "a GET with Parley's parley_id in the callback URL",
      getRequest(`parley_id=msg_01&${new URLSearchParams(sign(inbound)).toString()}`, now),
      channel(),
      true,
    ],
    [
      'a form POST to a callback URL with parley_id',
      formRequest(new URLSearchParams(sign(inbound)).toString(), now, '/hooks/vg/status?parley_id=msg_01'),
      channel(),
      true,
    ],
    ['the wrong method configured', form(sign(inbound, 'sha256')), channel({ signature_method: 'md5' }), false],
    ['a text changed in the body', form({ ...sign(inbound), text: 'Test & this = changed' }), channel(), false],
    [
      'a text changed in the URL',
      getRequest(new URLSearchParams(sign(inbound)).toString().replace('msisdn=14845552121', 'msisdn=14845552122'), now),
      channel(),
      false,
    ],
    ['a parameter added', form({ ...sign(inbound), 'concat-ref': '9' }), channel(), false],
    // Parsing reads the first of a repeated name: one put in front of a signed body must not pass.
    [
      'a parameter repeated in front of the signed ones',
      formRequest(`text=other&${new URLSearchParams(sign(inbound)).toString()}`, now),
      channel(),
      false,
    ],
    ['another secret', form(sign(inbound)), channel({ signature_secret: 'another-secret' }), false],
    ['a sig that is not hex', form({ ...inbound, sig: 'zz'.repeat(16) }), channel(), false],
    ['a timestamp an hour old', form(sign({ ...inbound, timestamp: String(now / 1000 - 3600) })), channel(), false],
    ['a timestamp ten minutes ahead', form(sign({ ...inbound, timestamp: String(now / 1000 + 600) })), channel(), false],
    ['a timestamp that is not a number', form(sign({ ...inbound, timestamp: 'soon' })), channel(), false],
    ['an XML body', request({ rawBody: Buffer.from('<sms/>'), contentType: 'text/xml', receivedAt: now }), channel(), false],
  ];
  for (const [name, req, ch, ok] of cases) {
    it(`${ok ? 'accepts' : 'refuses'} ${name}`, async () => {
      const verdict = await verify(req, ch);
      assert.equal(verdict.ok, ok, reasonOf(verdict));
      if (!verdict.ok) {
        assert.equal(verdict.retry, undefined);
        assert.ok(!verdict.reason.includes(ch.signature_secret), 'the reason must not show the secret');
      }
    });
  }
  it('says which method and parameters it checked when sig does not match', async () => {
    assert.match(
      reasonOf(await verify(form(sign(inbound, 'sha256')), channel({ signature_method: 'md5' }))),
      /checked as md5 over the 9 parameters received \(msisdn, to, messageId/,
    );
  });
  it('says a timestamp is out of the 5-minute window', async () => {
    assert.match(
      reasonOf(await verify(form(sign({ ...inbound, timestamp: String(now / 1000 - 301) })))),
      /more than 300 s from this server's clock/,
    );
  });
  it('accepts a timestamp 299 s old', async () =>
    assert.equal((await verify(form(sign({ ...inbound, timestamp: String(now / 1000 - 299) })))).ok, true));
  it('asks for a retry (503) when there is no sig, as Vonage advises for unsigned webhooks', async () => {
    const verdict = await verify(form(inbound));
    assert.equal(verdict.ok, false);
    assert.equal(!verdict.ok && verdict.retry, true);
    assert.match(reasonOf(verdict), /no sig parameter/);
  });
  it('asks for a retry for a request with a Basic Authorization and no sig', async () => {
    const verdict = await verify({ ...form(inbound), headers: { authorization: 'Basic YTpi' } });
    assert.equal(!verdict.ok && verdict.retry, true);
  });
});

describe('vonage adapter: verify, Messages API JWT', () => {
  const now = Date.parse('2026-11-20T15:04:05Z');
  const body = fixture('messages-inbound-sms.json');
  /** A Messages API JWT as Vonage's docs describe it, signed here with jose. */
  const jwtFor = (payload: string, options: { key?: string; hash?: string | null; iat?: number; alg?: string } = {}) => {
    const claims: Record<string, unknown> = { iss: 'Vonage', api_key: 'a1234567', application_id: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab' };
    if (options.hash !== null) claims.payload_hash = options.hash ?? createHash('sha256').update(payload).digest('hex');
    return new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
      .setIssuedAt(options.iat ?? Math.floor(now / 1000))
      .setJti('2f7ef1d7-4b5a-4a6e-9a0b-0d1f2a3b4c5d')
      .sign(new TextEncoder().encode(options.key ?? secret));
  };
  const signed = async (payload: string, options?: Parameters<typeof jwtFor>[1], sentBody = payload) =>
    jsonRequest(sentBody, now, { authorization: `Bearer ${await jwtFor(payload, options)}` });

  const cases: Array<[string, () => Promise<WebhookRequest>, boolean, RegExp | null]> = [
    ["a JWT whose payload_hash is the body's", () => signed(body), true, null],
    ['a status webhook', () => signed(fixture('messages-status-rejected.json')), true, null],
    ['a JWT issued 299 s ago', () => signed(body, { iat: now / 1000 - 299 }), true, null],
    [
      'a body changed after signing',
      () => signed(body, {}, body.replace('Hello', 'Hullo')),
      false,
      /payload_hash is not the SHA-256 of the body/,
    ],
    ['a JWT signed with another secret', () => signed(body, { key: 'x'.repeat(32) }), false, /does not verify as HS256/],
    ['a JWT signed HS512', () => signed(body, { alg: 'HS512' }), false, /does not verify as HS256/],
    ['a JWT without payload_hash', () => signed(body, { hash: null }), false, /no payload_hash claim/],
    ['a payload_hash that is not hex', () => signed(body, { hash: 'not-a-hash' }), false, /payload_hash is not the SHA-256/],
    ['a JWT issued an hour ago', () => signed(body, { iat: now / 1000 - 3600 }), false, /issued \(iat \d+\) more than 300 s/],
    ['a JWT issued in ten minutes', () => signed(body, { iat: now / 1000 + 600 }), false, /more than 300 s/],
    ['a token that is not a JWT', async () => jsonRequest(body, now, { authorization: 'Bearer abc.def' }), false, /does not verify/],
  ];
  for (const [name, build, ok, reason] of cases) {
    it(`${ok ? 'accepts' : 'refuses'} ${name}`, async () => {
      const verdict = await verify(await build());
      assert.equal(verdict.ok, ok, reasonOf(verdict));
      if (reason) assert.match(reasonOf(verdict), reason);
      assert.ok(!reasonOf(verdict).includes(secret));
    });
  }
  it('asks for a retry (503) for a Messages API webhook without a JWT', async () => {
    const verdict = await verify(jsonRequest(body, now));
    assert.equal(!verdict.ok && verdict.retry, true);
  });
  it('checks the JWT with the signature secret whatever signature_method says', async () => {
    assert.deepEqual(await verify(await signed(body), channel({ signature_method: 'sha512' })), { ok: true });
  });
});

describe('vonage adapter: parse, SMS API', () => {
  const parse = (req: WebhookRequest, path: 'inbound' | 'status' = 'inbound') => vonageAdapter.parse(req, channel(), path);
  const receiptOf = (event: WebhookEvent): StatusReceipt => {
    assert.equal(event.kind, 'status');
    return event.receipt;
  };
  const sdkInbound: WebhookEvent = {
    kind: 'inbound',
    message: {
      from: '+14845552121',
      to: '+16105553939',
      body: 'Test this.',
      mediaUrls: [],
      providerMessageId: '02000000DA7C52E7',
      providerTime: Date.parse('2016-05-24T11:12:01Z'),
    },
  };
  it("reads the SDK's inbound GET", () => assert.deepEqual(parse(getRequest(fixture('sms-inbound.query'))), sdkInbound));
  it("reads the SDK's inbound JSON", () => assert.deepEqual(parse(jsonRequest(fixture('sms-inbound.json'))), sdkInbound));
  it('reads the same message as a form POST', () => assert.deepEqual(parse(formRequest(fixture('sms-inbound.query'))), sdkInbound));
  it('reads one part of a concatenated message', () => {
    const event = parse(formRequest(fixture('sms-inbound-long.form')));
    assert.equal(event.kind, 'inbound');
    if (event.kind !== 'inbound') return;
    assert.deepEqual(event.message.part, { reference: '4', index: 3, total: 4 });
    assert.equal(event.message.providerMessageId, '02000000DA7C52E7');
    assert.match(event.message.body, /^y for a non-functionality-adding upgrading can be a hard sell\.\n\nI understand/);
  });
  it('ignores a binary message', () => assert.equal(parse(formRequest(fixture('sms-inbound-binary.form'))).kind, 'ignored'));

  const delivered = (time: string): WebhookEvent => ({
    kind: 'status',
    receipt: {
      providerMessageId: '14000000F9DBBBBB',
      status: 'delivered',
      providerStatus: 'delivered',
      errorCode: null,
      providerTime: Date.parse(time),
    },
  });
  it("reads the SDK's receipt as a GET", () =>
    assert.deepEqual(parse(getRequest(fixture('sms-dlr.query')), 'status'), delivered('2020-07-17T02:34:35Z')));
  it("reads the SDK's receipt as a form POST", () =>
    assert.deepEqual(parse(formRequest(fixture('sms-dlr.form')), 'status'), delivered('2020-07-17T02:35:15Z')));
  it("reads the SDK's receipt as JSON", () =>
    assert.deepEqual(parse(jsonRequest(fixture('sms-dlr.json')), 'status'), delivered('2020-07-17T02:35:01Z')));
  it("reads err-code 9 as a recipient who opted out with Vonage (the docs' example receipt)", () => {
    assert.deepEqual(parse(jsonRequest(fixture('sms-dlr-opted-out.json')), 'status'), {
      kind: 'status',
      receipt: {
        providerMessageId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
        status: 'failed',
        providerStatus: 'failed',
        errorCode: '9',
        providerTime: Date.parse('2020-01-01T12:00:00Z'),
        recipientOptedOut: true,
      },
    });
    const rejected = fixture('sms-dlr-opted-out.json').replace('"failed"', '"rejected"');
    assert.equal(receiptOf(parse(jsonRequest(rejected), 'status')).recipientOptedOut, true);
  });
  it("reads client-ref as Parley's message id", () => {
    const withRef = JSON.stringify({ ...JSON.parse(fixture('sms-dlr.json')), 'client-ref': 'msg_01ABC' });
    assert.equal(receiptOf(parse(jsonRequest(withRef), 'status')).parleyMessageId, 'msg_01ABC');
    assert.equal(receiptOf(parse(jsonRequest(fixture('sms-dlr.json')), 'status')).parleyMessageId, undefined);
  });
  it('does not read other failures, or err-code 9 on a receipt that is not a failure, as an opt-out', () => {
    const other = fixture('sms-dlr-opted-out.json').replace('"err-code": "9"', '"err-code": "6"');
    assert.equal(receiptOf(parse(jsonRequest(other), 'status')).recipientOptedOut, undefined);
    const expired = fixture('sms-dlr-opted-out.json').replace('"failed"', '"expired"');
    assert.equal(receiptOf(parse(jsonRequest(expired), 'status')).recipientOptedOut, undefined);
  });
  it('reads a receipt that came to the inbound URL', () =>
    assert.equal(parse(jsonRequest(fixture('sms-dlr.json')), 'inbound').kind, 'status'));

  const statuses: Array<[string, string | null]> = [
    ['accepted', 'sent'],
    ['buffered', 'sent'],
    ['delivered', 'delivered'],
    ['expired', 'undelivered'],
    ['failed', 'failed'],
    ['rejected', 'failed'],
    ['unknown', null],
  ];
  for (const [vonage, parley] of statuses) {
    it(`maps receipt status ${vonage} to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = parse(
        formRequest(fixture('sms-dlr.form').replace('status=delivered', `status=${vonage}`).replace('err-code=0', 'err-code=4')),
        'status',
      );
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind, 'status');
      assert.deepEqual(event.kind === 'status' && [event.receipt.status, event.receipt.providerStatus, event.receipt.errorCode], [
        parley,
        vonage,
        '4',
      ]);
    });
  }

  const inboundQuery = 'msisdn=14845552121&to=16105553939&text=hi&messageId=1';
  const bad: Array<[string, WebhookRequest, string, RegExp]> = [
    ['no messageId', getRequest('msisdn=14845552121&to=16105553939&text=hi'), 'invalid_payload', /^messageId/],
    ['no msisdn', getRequest('to=16105553939&text=hi&messageId=1'), 'invalid_payload', /^msisdn/],
    ['an empty GET', getRequest(''), 'invalid_payload', /^msisdn/],
    ['an unreadable msisdn', getRequest('msisdn=abc&to=16105553939&text=hi&messageId=1'), 'invalid_phone_number', /^msisdn/],
    ['an unreadable to', getRequest('msisdn=14845552121&to=12&text=hi&messageId=1'), 'invalid_phone_number', /^to/],
    [
      'a part past the total',
      getRequest(`${inboundQuery}&concat=true&concat-ref=1&concat-part=3&concat-total=2`),
      'invalid_payload',
      /^concat-part/,
    ],
    ['part 0', getRequest(`${inboundQuery}&concat=true&concat-ref=1&concat-part=0&concat-total=2`), 'invalid_payload', /^concat-part/],
    [
      'a total that is not a number',
      getRequest(`${inboundQuery}&concat=true&concat-ref=1&concat-part=1&concat-total=x`),
      'invalid_payload',
      /^concat-total/,
    ],
    [
      'a part without its reference',
      getRequest(`${inboundQuery}&concat=true&concat-part=1&concat-total=2`),
      'invalid_payload',
      /^concat-ref/,
    ],
    ['an unknown receipt status', getRequest('messageId=1&status=teleported'), 'invalid_payload', /^status/],
    ['a receipt status named like an Object method', getRequest('messageId=1&status=toString'), 'invalid_payload', /^status/],
    ['a receipt without messageId', getRequest('status=delivered&err-code=0'), 'invalid_payload', /^messageId/],
    ['an XML body', request({ rawBody: Buffer.from('<sms/>'), contentType: 'text/xml' }), 'unsupported_media_type', /text\/xml/],
    ['a body without a content type', request({ rawBody: Buffer.from('msisdn=1') }), 'unsupported_media_type', /no content type/],
    ['a JSON array', jsonRequest('[1]'), 'invalid_payload', /^body/],
    ['JSON that does not parse', jsonRequest('{"msisdn":'), 'invalid_json', /JSON/],
    ['a JSON msisdn that is an object', jsonRequest('{"msisdn":{"a":1},"to":"16105553939","messageId":"1"}'), 'invalid_payload', /^msisdn/],
  ];
  for (const [name, req, code, message] of bad) {
    it(`refuses ${name} with ${code}`, () =>
      assert.throws(
        () => parse(req),
        (e: unknown) => e instanceof ParleyError && e.code === code && message.test(e.message),
      ));
  }
  it('reads numbers where Vonage sends strings', () => {
    const event = parse(jsonRequest('{"msisdn":14845552121,"to":16105553939,"messageId":2000,"text":"hi","type":"text"}'));
    assert.deepEqual(event.kind === 'inbound' && [event.message.from, event.message.providerMessageId], ['+14845552121', '2000']);
  });
});

describe('vonage adapter: parse, Messages API', () => {
  const parse = (name: string) => vonageAdapter.parse(jsonRequest(fixture(name)), channel(), 'inbound');
  it('reads an inbound SMS', () => {
    assert.deepEqual(parse('messages-inbound-sms.json'), {
      kind: 'inbound',
      message: {
        from: '+447700900001',
        to: '+447700900000',
        body: 'Hello, world!',
        mediaUrls: [],
        providerMessageId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab',
        providerTime: Date.parse('2020-01-01T15:43:21Z'),
      },
    });
  });
  it('reads an inbound MMS image', () => {
    const event = parse('messages-inbound-mms-image.json');
    assert.deepEqual(event.kind === 'inbound' && [event.message.body, event.message.mediaUrls], [
      '',
      ['https://www.example.org/path/to/image.png'],
    ]);
  });
  it('reads a submitted status', () => {
    assert.deepEqual(parse('messages-status-submitted.json'), {
      kind: 'status',
      receipt: {
        providerMessageId: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ad',
        status: 'sent',
        providerStatus: 'submitted',
        errorCode: null,
        providerTime: Date.parse('2020-01-01T14:00:03.010Z'),
      },
    });
  });
  it('reads a rejected status with its error code (a number in the JSON)', () => {
    const event = parse('messages-status-rejected.json');
    assert.deepEqual(event.kind === 'status' && [event.receipt.status, event.receipt.errorCode], ['failed', '1050']);
  });
  it('reads an undeliverable status', () => {
    const event = parse('messages-status-undeliverable.json');
    assert.deepEqual(event.kind === 'status' && [event.receipt.status, event.receipt.providerStatus], ['undelivered', 'undeliverable']);
  });
  it('ignores a read status', () => assert.equal(parse('messages-status-read.json').kind, 'ignored'));

  const statuses: Array<[string, string | null]> = [
    ['submitted', 'sent'],
    ['delivered', 'delivered'],
    ['rejected', 'failed'],
    ['undeliverable', 'undelivered'],
    ['read', null],
  ];
  for (const [vonage, parley] of statuses) {
    it(`maps status ${vonage} to ${parley ?? 'nothing (ignored)'}`, () => {
      const body = fixture('messages-status-submitted.json').replace('"submitted"', `"${vonage}"`);
      const event = vonageAdapter.parse(jsonRequest(body), channel(), 'status');
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind === 'status' && event.receipt.status, parley);
    });
  }
  it('ignores a message on another channel', () => {
    const body = fixture('messages-inbound-sms.json').replace('"sms"', '"whatsapp"');
    assert.equal(vonageAdapter.parse(jsonRequest(body), channel(), 'inbound').kind, 'ignored');
  });

  const inbound = JSON.parse(fixture('messages-inbound-sms.json')) as Record<string, unknown>;
  const bad: Array<[string, unknown, string, RegExp]> = [
    ['no from', { ...inbound, from: undefined }, 'invalid_payload', /^from/],
    ['a from that is a number', { ...inbound, from: 447700900001 }, 'invalid_payload', /^from/],
    ['an unreadable to', { ...inbound, to: 'nobody' }, 'invalid_phone_number', /^to/],
    ['no channel', { ...inbound, channel: undefined }, 'invalid_payload', /^channel/],
    ['a message_uuid that is a number', { ...inbound, message_uuid: 5 }, 'invalid_payload', /^message_uuid/],
    ['a text that is an array', { ...inbound, text: ['a'] }, 'invalid_payload', /^text/],
    ['an unknown status', { message_uuid: 'u', status: 'teleported' }, 'invalid_payload', /^status/],
    ['a status that is a number', { message_uuid: 'u', status: 7 }, 'invalid_payload', /^status/],
    ['an error that is a string', { message_uuid: 'u', status: 'rejected', error: 'oops' }, 'invalid_payload', /^error/],
  ];
  for (const [name, body, code, message] of bad) {
    it(`refuses ${name} with ${code}`, () =>
      assert.throws(
        () => vonageAdapter.parse(jsonRequest(JSON.stringify(body)), channel(), 'inbound'),
        (e: unknown) => e instanceof ParleyError && e.code === code && message.test(e.message),
      ));
  }
});

describe('vonage adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = {
    id: 'msg_01',
    from: '+16105553939',
    to: '+14845552121',
    body: 'Reply YES to confirm',
    mediaUrls: [],
    statusCallbackUrl: 'https://sms.example.com/hooks/vg/status?parley_id=msg_01',
  };
  const ok: Reply = { status: 200, body: JSON.parse(fixture('send-success.json')) };

  it('posts the SMS API form and reads the message-id', async () => {
    api.next = ok;
    assert.deepEqual(await vonageAdapter.send(message, channel({ api_url: api.url })), {
      providerMessageId: '0A0000000123ABCD1',
      status: 'sent',
    });
    assert.equal(api.last().method, 'POST');
    assert.equal(api.last().path, '/sms/json');
    assert.match(String(api.last().headers['content-type']), /^application\/x-www-form-urlencoded/);
    assert.deepEqual(Object.fromEntries(api.lastForm()), {
      api_key: 'a1234567',
      api_secret: 'api-secret-1',
      from: '16105553939',
      to: '14845552121',
      text: message.body,
      'client-ref': 'msg_01',
      callback: message.statusCallbackUrl,
      'status-report-req': '1',
    });
  });
  it('leaves out callback when the channel has no public_url', async () => {
    api.next = ok;
    await vonageAdapter.send({ ...message, statusCallbackUrl: null }, channel({ api_url: api.url }));
    assert.deepEqual([api.lastForm().has('callback'), api.lastForm().has('status-report-req')], [false, false]);
  });
  it('asks for unicode when the text needs UCS-2, and not otherwise', async () => {
    api.next = ok;
    await vonageAdapter.send({ ...message, body: 'Merci 😊' }, channel({ api_url: api.url }));
    assert.equal(api.lastForm().get('type'), 'unicode');
    await vonageAdapter.send({ ...message, body: 'Prix: 5€ {ok}' }, channel({ api_url: api.url }));
    assert.equal(api.lastForm().get('type'), null);
  });
  it("keeps every part's id for a message sent in parts, the first standing for the message", async () => {
    api.next = { status: 200, body: JSON.parse(fixture('send-multi.json')) };
    assert.deepEqual(await vonageAdapter.send({ ...message, body: 'x'.repeat(400) }, channel({ api_url: api.url })), {
      providerMessageId: '00000124',
      status: 'sent',
      partIds: ['00000124', '00000125', '00000126'],
    });
  });
  it('refuses media without calling Vonage', async () => {
    const calls = api.received.length;
    await assert.rejects(
      vonageAdapter.send({ ...message, mediaUrls: ['https://example.com/a.png'] }, channel({ api_url: api.url })),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected',
    );
    assert.equal(api.received.length, calls);
  });

  const answer = (name: string): Reply => ({ status: 200, body: JSON.parse(fixture(name)) });
  const refusal = (status: string, text: string, httpStatus = 200): Reply => ({
    status: httpStatus,
    body: { 'message-count': '1', messages: [{ status, 'error-text': text }] },
  });
  const partial: Reply = {
    status: 200,
    body: {
      'message-count': '2',
      messages: [
        { status: '0', 'message-id': '00000124', to: '14845552121' },
        { status: '1', 'error-text': 'Throughput Rate Exceeded' },
      ],
    },
  };
  const failures: Array<[string, Reply | 'closed', string, string | null, boolean]> = [
    ["status 1, the SDK's rate limit answer", answer('send-ratelimit.json'), 'throttled', '1', true],
    ["status 1, the SDK's MT limit answer", answer('send-mt-limit.json'), 'throttled', '1', true],
    ['status 2 (missing parameters)', answer('send-fail.json'), 'rejected', '2', false],
    ['status 5 (internal error)', answer('send-fail-server.json'), 'provider_unavailable', '5', true],
    ['status 101 (invalid account for campaign)', answer('send-fail-shortcode.json'), 'rejected', '101', false],
    ['status 3 (invalid parameters)', refusal('3', 'Invalid to address'), 'rejected', '3', false],
    ['status 4 (bad credentials)', refusal('4', 'Bad Credentials'), 'rejected', '4', false],
    ['status 7 (number barred)', refusal('7', 'Number barred'), 'recipient_opted_out', '7', false],
    ['status 9 (no credit)', refusal('9', 'Partner quota exceeded'), 'rejected', '9', false],
    ['status 10 (too many binds)', refusal('10', 'Too many existing binds'), 'throttled', '10', true],
    ['part 2 refused after part 1 was accepted', partial, 'rejected', '1', false],
    ['a 200 without messages', { status: 200, body: {} }, 'invalid_response', null, false],
    [
      'a 200 accepting without a message-id',
      { status: 200, body: { 'message-count': '1', messages: [{ status: '0' }] } },
      'invalid_response',
      null,
      false,
    ],
    ['an HTTP 429', { status: 429, body: {} }, 'throttled', '429', true],
    ['an HTTP 500', { status: 500, body: {} }, 'provider_unavailable', '500', true],
    ['an HTTP 401 carrying status 4', refusal('4', 'Bad Credentials', 401), 'rejected', '4', false],
    ['an HTTP 403 carrying status 7', refusal('7', 'Number barred', 403), 'recipient_opted_out', '7', false],
    ['a closed port', 'closed', 'connection', null, true],
    ['no answer', { status: 200, body: {}, hang: true }, 'connection', null, true],
  ];
  for (const [name, reply, kind, code, retryable] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      if (reply !== 'closed') api.next = reply;
      const ch = channel({ api_url: reply === 'closed' ? 'http://127.0.0.1:9' : api.url, send_timeout: 300 });
      await assert.rejects(
        vonageAdapter.send(message, ch),
        (e: unknown) => e instanceof SendError && e.kind === kind && e.providerCode === code && e.retryable === retryable,
      );
    });
  }
});

describe("vonage adapter: against the test kit's stand-in for the SMS API", () => {
  const kitApi = new ApiStandIn((request) => kit.answerSend(request));
  before(() => kitApi.start());
  after(() => kitApi.stop());
  const kitChannel = () => vonageChannelSchema.parse(kit.channel('vg', '+16105553939', kitApi.url, 'https://sms.example.com'));
  const message = {
    id: 'msg_02',
    from: '+16105553939',
    to: '+14845552121',
    body: 'Hi',
    mediaUrls: [],
    statusCallbackUrl: 'https://sms.example.com/hooks/vg/status?parley_id=msg_02',
  };

  it("is accepted with the channel's key and secret", async () =>
    assert.equal((await vonageAdapter.send(message, kitChannel())).status, 'sent'));
  it('is refused with another secret', async () => {
    await assert.rejects(
      vonageAdapter.send(message, { ...kitChannel(), api_secret: 'wrong' }),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected' && e.providerCode === '4',
    );
  });
  it('is refused for an empty text', async () => {
    await assert.rejects(
      vonageAdapter.send({ ...message, body: '' }, kitChannel()),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected' && e.providerCode === '2',
    );
  });
  it("the kit's signed inbound message passes verify and parse", async () => {
    const ch = kitChannel();
    const signed = kit.inbound(
      { from: '+14845552121', to: '+16105553939', body: 'YES & more', id: '0B00000042AC53BD' },
      'https://sms.example.com/hooks/vg/inbound',
    );
    const req = formRequest(signed.body);
    assert.deepEqual(await vonageAdapter.verify(req, ch), { ok: true });
    const event = vonageAdapter.parse(req, ch, 'inbound');
    assert.deepEqual(event.kind === 'inbound' && [event.message.from, event.message.to, event.message.body], [
      '+14845552121',
      '+16105553939',
      'YES & more',
    ]);
  });
  it("the kit's signed receipt, posted to the callback URL, passes verify and parse", async () => {
    const ch = kitChannel();
    const signed = kit.status(
      { providerMessageId: '0A00000000000001', from: '+16105553939', to: '+14845552121', delivered: false },
      message.statusCallbackUrl,
    );
    const req = formRequest(signed.body, Date.now(), '/hooks/vg/status?parley_id=msg_02');
    assert.deepEqual(await vonageAdapter.verify(req, ch), { ok: true });
    const event = vonageAdapter.parse(req, ch, 'status');
    assert.deepEqual(event.kind === 'status' && [event.receipt.providerMessageId, event.receipt.status, event.receipt.errorCode], [
      '0A00000000000001',
      'failed',
      '6',
    ]);
  });
});

describe('vonage channel config', () => {
  const base = {
    name: 'vg',
    provider: 'vonage',
    numbers: ['+16105553939'],
    api_key: 'a1234567',
    api_secret: 's',
    signature_secret: 'sig-secret',
  };
  it('defaults signature_method to md5hash, as the dashboard does', () =>
    assert.equal(vonageChannelSchema.parse(base).signature_method, 'md5hash'));
  it('names the methods when given another', () => {
    const result = vonageChannelSchema.safeParse({ ...base, signature_method: 'sha384' });
    assert.equal(result.success, false);
    assert.match(result.error?.issues[0]?.message ?? '', /md5hash, md5, sha1, sha256, sha512/);
  });
  it('refuses an empty signature secret', () =>
    assert.equal(vonageChannelSchema.safeParse({ ...base, signature_secret: '' }).success, false));
  it('refuses a field it does not know', () => assert.equal(vonageChannelSchema.safeParse({ ...base, auth_token: 'x' }).success, false));
});
