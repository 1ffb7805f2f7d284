import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { SignJWT } from 'jose';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookRequest } from '../contract.js';
import { vonageAdapter, vonageSignature } from './adapter.js';
import type { VonageChannelConfig } from './config.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const secret = 'my_secret_key_for_testing';

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

describe('vonage adapter: the published signature vectors (vonage-php-sdk-core test/Client/SignatureTest.php)', () => {
  const inbound = { 'message-timestamp': '2013-11-21 15:27:30', messageId: '020000001B0FE827', msisdn: '14843472194', text: 'Test again', timestamp: '1385047698', to: '13239877404', type: 'text' };
  const cases: Array<[VonageChannelConfig['signature_method'], Record<string, string>, string, string]> = [
    ['md5hash', inbound, secret, 'd2e7b1dc968737c5998ad624e02f90b7'],
    ['md5', inbound, secret, 'DDEBD46008C2D4E93CCE578A332A52D5'],
    ['sha1', inbound, secret, '27D0D05C2876C7CB1720DBCDBA4D492E1E55C09A'],
    ['sha256', inbound, secret, 'DDB8397C2B90AAC7F3882D306475C9A5058C92322EEF43C92B298B6E0FC0D330'],
    ['sha512', inbound, secret, 'E0D3C650F8C9D1A5C174D10DDDBFB003E561F59B265616208B0487C5D819481CD3C311D59CF6165ECD1139622D5BA3A256C0D763AC4A9AD9144B5A426B94FE82'],
    ['md5hash', { ...inbound, sig: 'd2e7b1dc968737c5998ad624e02f90b7' }, secret, 'd2e7b1dc968737c5998ad624e02f90b7'],
    ['md5hash', { 'message-timestamp': '2013-11-21 17:31:42', messageId: '030000002A264B8B', msisdn: '14843472194', text: 'Message test', timestamp: '1385055102', to: '14849970568', type: 'text' }, '', 'f0bfad43bd90cf1ea1f1525c18ba4dab'],
    [
      'md5hash',
      { keyword: 'TEST', 'message-timestamp': '2017-04-04 22:57:47', messageId: '0B00000042AC53BD', msisdn: '14843472194', nonce: '929d6744-bd28-42c8-b6cf-31d5b4f43732', text: 'Test with & and =', timestamp: '1491346667', to: '12192259404', type: 'text' },
      secret,
      'e06d9763e3fd0b9c31beb5fc2fcb011c',
    ],
    ['sha256', { api_key: 'fake_api_key', to: '14155550100', from: 'AcmeInc', text: 'Test From Nexmo', type: 'text', timestamp: '1540924779' }, '71efab63122f1d179f51c46bac838fb5', '9FEC5EF6D0F2B3D2BB7558B6E4042569823CAB9EA0DD30503472B7B304601975'],
  ];
  for (const [method, params, key, expected] of cases) {
    it(`${method}: ${expected.slice(0, 12)}…`, () => assert.equal(vonageSignature(new Map(Object.entries(params)), key, method).toLowerCase(), expected.toLowerCase()));
  }
});

describe('vonage adapter: verify', () => {
  const now = Date.parse('2026-11-20T15:04:05Z');
  const nowSeconds = String(Math.floor(now / 1000));
  /** Signs a parameter set with an independent computation of Vonage's scheme. */
  const signedParams = (params: Record<string, string>, method: VonageChannelConfig['signature_method'] = 'md5hash') => {
    const input = Object.keys(params)
      .sort()
      .map((k) => `&${k}=${params[k]!.replace(/[&=]/g, '_')}`)
      .join('');
    const sig = method === 'md5hash' ? createHash('md5').update(input + secret).digest('hex') : createHmac(method, secret).update(input).digest('hex').toUpperCase();
    return { ...params, sig };
  };
  const inbound = { msisdn: '14845552121', to: '16105553939', messageId: '02000000DA7C52E7', text: 'Test & this = ok', type: 'text', 'message-timestamp': '2026-11-20 15:04:01', timestamp: nowSeconds, nonce: 'n-1' };
  const get = (params: Record<string, string>) => request({ method: 'GET', url: `/hooks/vg/inbound?${new URLSearchParams(params)}`, receivedAt: now });
  const form = (params: Record<string, string>) => request({ rawBody: Buffer.from(new URLSearchParams(params).toString()), contentType: 'application/x-www-form-urlencoded', receivedAt: now });
  const json = (params: Record<string, string>) => request({ rawBody: Buffer.from(JSON.stringify(params)), contentType: 'application/json', receivedAt: now });

  const cases: Array<[string, WebhookRequest, VonageChannelConfig, boolean]> = [
    ['a signed GET', get(signedParams(inbound)), channel(), true],
    ['a signed form POST', form(signedParams(inbound)), channel(), true],
    ['a signed JSON POST', json(signedParams(inbound)), channel(), true],
    ['sha512 HMAC, upper-case hex', form(signedParams(inbound, 'sha512')), channel({ signature_method: 'sha512' }), true],
    ['the wrong method configured', form(signedParams(inbound, 'sha256')), channel({ signature_method: 'md5' }), false],
    ['a changed text', form({ ...signedParams(inbound), text: 'Test & this = changed' }), channel(), false],
    ['an old timestamp', form(signedParams({ ...inbound, timestamp: String(Math.floor(now / 1000) - 3600) })), channel(), false],
    ['another secret', form(signedParams(inbound)), channel({ signature_secret: 'another-secret' }), false],
  ];
  for (const [name, req, ch, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, async () => assert.equal((await vonageAdapter.verify(req, ch)).ok, ok));
  }
  it('asks for a retry (503) when the webhook carries no signature, as Vonage advises', async () => {
    const verdict = await vonageAdapter.verify(form(inbound), channel());
    assert.deepEqual([verdict.ok, !verdict.ok && verdict.retry], [false, true]);
  });

  const jwtFor = async (body: string, options: { key?: string; hash?: string; iat?: number } = {}) =>
    new SignJWT({ api_key: 'a1234567', payload_hash: options.hash ?? createHash('sha256').update(body).digest('hex') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(options.iat ?? Math.floor(now / 1000))
      .setJti('jti-1')
      .sign(new TextEncoder().encode(options.key ?? secret));
  const bearer = async (body: string, options?: Parameters<typeof jwtFor>[1]) =>
    request({ rawBody: Buffer.from(body), contentType: 'application/json', headers: { authorization: `Bearer ${await jwtFor(body, options)}` }, receivedAt: now });

  it('accepts a Messages API webhook with a JWT whose payload_hash matches', async () => {
    assert.deepEqual(await vonageAdapter.verify(await bearer(fixture('messages-inbound.json')), channel()), { ok: true });
  });
  it('rejects a Messages API webhook whose body changed after signing', async () => {
    const req = await bearer(fixture('messages-inbound.json'));
    const verdict = await vonageAdapter.verify({ ...req, rawBody: Buffer.from(fixture('messages-inbound.json').replace('Friday', 'Monday')) }, channel());
    assert.equal(verdict.ok, false);
  });
  it('rejects a JWT signed with another secret', async () => {
    assert.equal((await vonageAdapter.verify(await bearer(fixture('messages-inbound.json'), { key: 'x'.repeat(32) }), channel())).ok, false);
  });
});

describe('vonage adapter: parse', () => {
  const parse = (req: WebhookRequest) => vonageAdapter.parse(req, channel(), 'inbound');

  it('reads the SDK inbound fixture as a GET query and as JSON', () => {
    const expected = {
      kind: 'inbound',
      message: { from: '+14845552121', to: '+16105553939', body: 'Test this.', mediaUrls: [], providerMessageId: '02000000DA7C52E7', providerTime: Date.parse('2016-05-24T11:12:01Z') },
    };
    assert.deepEqual(parse(request({ method: 'GET', url: `/hooks/vg/inbound?${fixture('inbound-get.query')}` })), expected);
    assert.deepEqual(parse(request({ rawBody: Buffer.from(fixture('inbound.json')), contentType: 'application/json' })), expected);
  });
  it('reads one part of a concatenated message', () => {
    const event = parse(request({ rawBody: Buffer.from(fixture('inbound-long.form')), contentType: 'application/x-www-form-urlencoded' }));
    assert.equal(event.kind, 'inbound');
    assert.deepEqual(event.kind === 'inbound' && event.message.part, { reference: '4', index: 3, total: 4 });
  });
  it('reads delivery receipts, err-code 0 being no error', () => {
    assert.deepEqual(parse(request({ rawBody: Buffer.from(fixture('dlr.json')), contentType: 'application/json' })), {
      kind: 'status',
      receipt: { providerMessageId: '14000000F9DBBBBB', status: 'delivered', providerStatus: 'delivered', errorCode: null, providerTime: Date.parse('2020-07-17T02:35:01Z') },
    });
    const failed = parse(request({ rawBody: Buffer.from(fixture('dlr-failed.form')), contentType: 'application/x-www-form-urlencoded' }));
    assert.deepEqual(failed.kind === 'status' && [failed.receipt.status, failed.receipt.errorCode], ['failed', '6']);
  });
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
    it(`maps DLR status ${vonage} to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = parse(request({ method: 'GET', url: `/hooks/vg/status?messageId=1&status=${vonage}&err-code=0` }));
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind === 'status' && event.receipt.status, parley);
    });
  }
  it('reads Messages API inbound messages and statuses', () => {
    const inbound = parse(request({ rawBody: Buffer.from(fixture('messages-inbound.json')), contentType: 'application/json' }));
    assert.deepEqual(inbound.kind === 'inbound' && [inbound.message.from, inbound.message.body, inbound.message.providerMessageId], ['+447700900001', 'Can we do Friday?', 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab']);
    const rejected = parse(request({ rawBody: Buffer.from(fixture('messages-status-rejected.json')), contentType: 'application/json' }));
    assert.deepEqual(rejected.kind === 'status' && [rejected.receipt.status, rejected.receipt.errorCode], ['failed', '1320']);
  });

  const bad: Array<[string, WebhookRequest, string]> = [
    ['no messageId', request({ method: 'GET', url: '/hooks/vg/inbound?msisdn=14845552121&to=16105553939&text=hi' }), 'invalid_payload'],
    ['an unreadable msisdn', request({ method: 'GET', url: '/hooks/vg/inbound?msisdn=abc&to=16105553939&text=hi&messageId=1' }), 'invalid_phone_number'],
    ['a part past the total', request({ method: 'GET', url: '/hooks/vg/inbound?msisdn=14845552121&to=16105553939&text=hi&messageId=1&concat=true&concat-ref=1&concat-part=3&concat-total=2' }), 'invalid_payload'],
    ['an XML body', request({ rawBody: Buffer.from('<sms/>'), contentType: 'text/xml' }), 'unsupported_media_type'],
    ['a JSON array', request({ rawBody: Buffer.from('[1]'), contentType: 'application/json' }), 'invalid_payload'],
    ['an unknown status', request({ method: 'GET', url: '/hooks/vg/status?messageId=1&status=teleported' }), 'invalid_payload'],
  ];
  for (const [name, req, code] of bad) {
    it(`refuses ${name} with ${code}`, () => assert.throws(() => parse(req), (e: unknown) => e instanceof ParleyError && e.code === code));
  }
});

describe('vonage adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = { id: 'msg_01', from: '+16105553939', to: '+14845552121', body: 'Reply YES to confirm', mediaUrls: [], statusCallbackUrl: 'https://sms.example.com/hooks/vg/status?parley_id=msg_01' };
  const ok = { 'message-count': '1', messages: [{ to: '14845552121', 'message-id': '0A0000000123ABCD1', status: '0', 'remaining-balance': '3.14159265', 'message-price': '0.03330000', network: '12345', 'client-ref': 'msg_01' }] };

  it('posts the SMS API form and reads the first part\'s message-id', async () => {
    api.next = { status: 200, body: ok };
    assert.deepEqual(await vonageAdapter.send(message, channel({ api_url: api.url })), { providerMessageId: '0A0000000123ABCD1', status: 'sent' });
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
  it('asks for unicode when the text needs UCS-2', async () => {
    api.next = { status: 200, body: ok };
    await vonageAdapter.send({ ...message, body: 'Merci 😊' }, channel({ api_url: api.url }));
    assert.equal(api.lastForm().get('type'), 'unicode');
  });

  const refusal = (status: string, text: string): Reply => ({ status: 200, body: { 'message-count': '1', messages: [{ status, 'error-text': text }] } });
  const failures: Array<[string, Reply | 'closed', string, string | null]> = [
    ['status 1 (throttled)', refusal('1', 'Throughput Rate Exceeded'), 'throttled', '1'],
    ['status 5 (internal error)', refusal('5', 'Internal Error'), 'provider_unavailable', '5'],
    ['status 7 (number barred)', refusal('7', 'Number barred'), 'recipient_opted_out', '7'],
    ['status 3 (invalid parameters)', refusal('3', 'Invalid to address'), 'rejected', '3'],
    ['status 4 (bad credentials)', refusal('4', 'Bad Credentials'), 'rejected', '4'],
    ['a 200 without messages', { status: 200, body: {} }, 'invalid_response', null],
    ['an HTTP 500', { status: 500, body: {} }, 'provider_unavailable', '500'],
    ['a closed port', 'closed', 'connection', null],
    ['no answer', { status: 200, body: {}, hang: true }, 'connection', null],
  ];
  for (const [name, reply, kind, code] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      if (reply !== 'closed') api.next = reply;
      const ch = channel({ api_url: reply === 'closed' ? 'http://127.0.0.1:9' : api.url, send_timeout: 300 });
      await assert.rejects(vonageAdapter.send(message, ch), (e: unknown) => e instanceof SendError && e.kind === kind && e.providerCode === code);
    });
  }
});
