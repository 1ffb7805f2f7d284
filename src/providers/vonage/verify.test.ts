import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { WebhookRequest } from '../contract.js';
import type { VonageChannelConfig } from './config.js';
import { channel, fixture, formRequest, getRequest, jsonRequest, reasonOf, request, secret, verify, type Method } from './test-requests.js';
import { vonageSignature } from './verify.js';

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
