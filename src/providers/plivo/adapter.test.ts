import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookRequest } from '../contract.js';
import { plivoAdapter, plivoSigningInput } from './adapter.js';
import type { PlivoChannelConfig } from './config.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const token = 'plivo-auth-token-0123456789';

function channel(extra: Partial<PlivoChannelConfig> = {}): PlivoChannelConfig {
  return {
    name: 'pl',
    provider: 'plivo',
    numbers: ['+14155550100'],
    auth_id: 'MAXXXXXXXXXXXXXXXXXX',
    auth_token: token,
    verify: 'enforce',
    send_timeout: 2_000,
    ...extra,
  };
}

function request(overrides: Partial<WebhookRequest>): WebhookRequest {
  return {
    method: 'POST',
    url: '/hooks/pl/inbound',
    publicUrl: 'https://sms.example.com/hooks/pl/inbound',
    headers: {},
    rawBody: Buffer.alloc(0),
    contentType: 'application/x-www-form-urlencoded',
    receivedAt: Date.now(),
    ...overrides,
  };
}

describe('plivo adapter: the V3 signing string (as plivo-node lib/utils/v3Security.js builds it)', () => {
  const cases: Array<[string, string, string, Array<[string, string]>, string]> = [
    [
      'POST with a body and no query',
      'https://a.example/hook',
      'POST',
      [
        ['To', '1'],
        ['From', '2'],
      ],
      'https://a.example/hook?From2To1.n1',
    ],
    [
      'POST with a query and a body',
      'https://a.example/hook?z=1&a=2',
      'POST',
      [
        ['B', 'x'],
        ['A', 'y'],
      ],
      'https://a.example/hook?a=2&z=1.AyBx.n1',
    ],
    ['POST with a query and no body', 'https://a.example/hook?parley_id=msg_1', 'POST', [], 'https://a.example/hook?parley_id=msg_1.n1'],
    ['POST with nothing', 'https://a.example/hook', 'POST', [], 'https://a.example/hook.n1'],
    ['GET merges query and parameters, sorted', 'https://a.example/hook?b=2', 'GET', [['a', '1']], 'https://a.example/hook?a=1&b=2.n1'],
    [
      'repeated names sort their values',
      'https://a.example/hook',
      'POST',
      [
        ['M', '2'],
        ['M', '1'],
      ],
      'https://a.example/hook?M1M2.n1',
    ],
    ['a port is kept', 'https://a.example:8443/hook', 'POST', [['A', '1']], 'https://a.example:8443/hook?A1.n1'],
  ];
  for (const [name, url, method, body, expected] of cases) {
    it(name, () => assert.equal(plivoSigningInput(url, method, body, 'n1'), expected));
  }
});

describe('plivo adapter: verify', () => {
  const raw = fixture('inbound.form');
  const sign = (input: string, key = token) => createHmac('sha256', key).update(input).digest('base64');
  // Computed here from the documented construction, independently of the adapter.
  const sorted = [...new URLSearchParams(raw)]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => k + v)
    .join('');
  const good = sign(`https://sms.example.com/hooks/pl/inbound?${sorted}.nonce-1`);
  const headers = (signature: string, nonce = 'nonce-1') => ({ 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': nonce });

  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['a correct signature', request({ rawBody: Buffer.from(raw), headers: headers(good) }), true],
    [
      'one of several signatures (two Auth Tokens)',
      request({ rawBody: Buffer.from(raw), headers: headers(`${sign('other')},${good}`) }),
      true,
    ],
    ['another nonce', request({ rawBody: Buffer.from(raw), headers: headers(good, 'nonce-2') }), false],
    ['a changed text', request({ rawBody: Buffer.from(raw.replace('Yes+please', 'No')), headers: headers(good) }), false],
    [
      'another URL (http behind a proxy)',
      request({ rawBody: Buffer.from(raw), headers: headers(good), publicUrl: 'http://10.0.0.5:3000/hooks/pl/inbound' }),
      false,
    ],
    [
      'another token',
      request({
        rawBody: Buffer.from(raw),
        headers: headers(sign(`https://sms.example.com/hooks/pl/inbound?${sorted}.nonce-1`, 'x'.repeat(20))),
      }),
      false,
    ],
    ['no nonce', request({ rawBody: Buffer.from(raw), headers: { 'x-plivo-signature-v3': good } }), false],
  ];
  for (const [name, req, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, () => assert.equal((plivoAdapter.verify(req, channel()) as { ok: boolean }).ok, ok));
  }
  it("signs the callback URL with Parley's id in its query", () => {
    const url = 'https://sms.example.com/hooks/pl/status?parley_id=msg_01';
    const body = fixture('status-delivered.form');
    const input = `https://sms.example.com/hooks/pl/status?parley_id=msg_01.${[...new URLSearchParams(body)]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => k + v)
      .join('')}.n9`;
    const req = request({
      url: '/hooks/pl/status?parley_id=msg_01',
      publicUrl: url,
      rawBody: Buffer.from(body),
      headers: headers(sign(input), 'n9'),
    });
    assert.deepEqual(plivoAdapter.verify(req, channel()), { ok: true });
  });
});

describe('plivo adapter: parse', () => {
  const parse = (raw: string, path: 'inbound' | 'status' | 'events' = 'inbound') =>
    plivoAdapter.parse(request({ rawBody: Buffer.from(raw) }), channel(), path);
  it('reads an inbound SMS', () => {
    assert.deepEqual(parse(fixture('inbound.form')), {
      kind: 'inbound',
      message: {
        from: '+14155550123',
        to: '+14155550100',
        body: 'Yes please',
        mediaUrls: [],
        providerMessageId: '3d8b5b4a-6f0e-11ee-9a7e-0242ac110004',
        providerTime: null,
      },
    });
  });
  it('reads MMS media in order', () => {
    const event = parse(fixture('inbound-mms.form'));
    assert.deepEqual(event.kind === 'inbound' && event.message.mediaUrls.map((u) => u.slice(-5)), ['a.jpg', 'b.png']);
  });
  it('reads a receipt, ErrorCode 000 being none', () => {
    assert.deepEqual(parse(fixture('status-delivered.form'), 'status'), {
      kind: 'status',
      receipt: {
        providerMessageId: 'db3ce55a-7f1d-11e1-8ea7-1231380bc196',
        status: 'delivered',
        providerStatus: 'delivered',
        errorCode: null,
        providerTime: Date.parse('2026-11-20T15:04:09.654Z'),
      },
    });
  });
  it('reads a receipt for one part of a long message under the parent message, with its part', () => {
    const event = parse(fixture('status-part-undelivered.form'), 'events');
    assert.deepEqual(
      event.kind === 'status' && [event.receipt.providerMessageId, event.receipt.status, event.receipt.errorCode, event.receipt.part],
      ['db3ce55a-7f1d-11e1-8ea7-1231380bc196', 'undelivered', '30', { key: '2', total: 2 }],
    );
  });
  const statuses: Array<[string, string | null]> = [
    ['queued', 'queued'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
    ['rejected', 'failed'],
    ['read', null],
  ];
  for (const [plivo, parley] of statuses) {
    it(`maps ${plivo} to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = parse(`MessageUUID=u1&Status=${plivo}&ErrorCode=000`, 'status');
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind === 'status' && event.receipt.status, parley);
    });
  }
  const bad: Array<[string, string, string]> = [
    ['no MessageUUID', 'From=14155550123&To=14155550100&Text=hi', 'invalid_payload'],
    ['an unreadable From', 'From=hello&To=14155550100&Text=hi&MessageUUID=u', 'invalid_phone_number'],
  ];
  for (const [name, raw, code] of bad) {
    it(`refuses ${name} with ${code}`, () =>
      assert.throws(
        () => parse(raw),
        (e: unknown) => e instanceof ParleyError && e.code === code,
      ));
  }
  it('refuses JSON with 415', () => {
    assert.throws(
      () => plivoAdapter.parse(request({ rawBody: Buffer.from('{}'), contentType: 'application/json' }), channel(), 'inbound'),
      (e: unknown) => e instanceof ParleyError && e.code === 'unsupported_media_type',
    );
  });
});

describe('plivo adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = {
    id: 'msg_01',
    from: '+14155550100',
    to: '+14155550123',
    body: 'Reply 1 or 2',
    mediaUrls: [],
    statusCallbackUrl: 'https://sms.example.com/hooks/pl/status?parley_id=msg_01',
  };

  it('posts src, dst, text and the callback URL with Basic auth, and reads message_uuid', async () => {
    api.next = { status: 202, body: { api_id: 'a1', message: 'message(s) queued', message_uuid: ['db3ce55a-7f1d'] } };
    assert.deepEqual(await plivoAdapter.send(message, channel({ api_url: api.url })), {
      providerMessageId: 'db3ce55a-7f1d',
      status: 'queued',
    });
    assert.deepEqual(
      { path: api.last().path, authorization: api.last().headers.authorization, body: api.lastJson() },
      {
        path: '/v1/Account/MAXXXXXXXXXXXXXXXXXX/Message/',
        authorization: `Basic ${Buffer.from(`MAXXXXXXXXXXXXXXXXXX:${token}`).toString('base64')}`,
        body: { src: '14155550100', dst: '14155550123', text: message.body, url: message.statusCallbackUrl, method: 'POST' },
      },
    );
  });
  const failures: Array<[string, Reply | 'closed', string]> = [
    ['a 400', { status: 400, body: { api_id: 'a2', error: 'invalid dst number' } }, 'rejected'],
    ['a 401', { status: 401, body: { error: 'authentication failed' } }, 'rejected'],
    ['a 429', { status: 429, body: {} }, 'throttled'],
    ['a 500', { status: 500, body: {} }, 'provider_unavailable'],
    ['a 202 without message_uuid', { status: 202, body: { api_id: 'a3' } }, 'invalid_response'],
    ['a closed port', 'closed', 'connection'],
  ];
  for (const [name, reply, kind] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      if (reply !== 'closed') api.next = reply;
      await assert.rejects(
        plivoAdapter.send(message, channel({ api_url: reply === 'closed' ? 'http://127.0.0.1:9' : api.url, send_timeout: 300 })),
        (e: unknown) => e instanceof SendError && e.kind === kind,
      );
    });
  }
});
