import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type StatusReceipt, type VerifyResult, type WebhookPath, type WebhookRequest } from '../contract.js';
import { smsmodeAdapter as adapter, withToken } from './adapter.js';
import { smsmodeChannelSchema, type SmsmodeChannelConfig } from './config.js';
import { kit } from './test-kit.js';

// smsmode signs nothing (no signature scheme, so no published vector exists): a callback is
// trusted by the channel's secret token in its URL. The cases below are that comparison.

/** A fixture file without its final newline. */
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url)).subarray(0, -1);
const token = 'smsmode-webhook-token-0123456789';
const now = Date.parse('2026-11-20T14:05:00Z');

function channel(extra: Partial<SmsmodeChannelConfig> = {}): SmsmodeChannelConfig {
  return {
    name: 'fr',
    provider: 'smsmode',
    numbers: ['+33700000001'],
    api_key: 'api-key-0123',
    webhook_token: token,
    verify: 'enforce',
    send_timeout: 2_000,
    ...extra,
  };
}

function callback(body: Buffer | string, query: string | null = `token=${token}`, path: WebhookPath = 'status'): WebhookRequest {
  const url = `/hooks/fr/${path}${query === null ? '' : `?${query}`}`;
  return {
    method: 'POST',
    url,
    publicUrl: `https://sms.example.com${url}`,
    headers: { 'content-type': 'application/json' },
    rawBody: Buffer.from(body),
    contentType: 'application/json',
    receivedAt: now,
  };
}

const verdict = (request: WebhookRequest, ch = channel()) => adapter.verify(request, ch) as VerifyResult;

describe('smsmode adapter: verify', () => {
  const body = fixture('status-delivered.json');
  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['the token in the URL', callback(body), true],
    ['the token after parley_id, as Parley builds status URLs', callback(body, `parley_id=msg_01&token=${token}`), true],
    ['a wrong token of the same length', callback(body, `token=${'x'.repeat(token.length)}`), false],
    ['a token one character short', callback(body, `token=${token.slice(0, -1)}`), false],
    ['the token in another case', callback(body, `token=${token.toUpperCase()}`), false],
    ['an empty token', callback(body, 'token='), false],
    ['no token', callback(body, null), false],
    ['the token under another name', callback(body, `key=${token}`), false],
    ['a wrong token first and the right one second', callback(body, `token=wrong&token=${token}`), false],
    ['the token only in the body', callback(JSON.stringify({ ...(JSON.parse(body.toString()) as object), token }), null), false],
  ];
  for (const [name, request, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, () => assert.equal(verdict(request).ok, ok));
  }

  it('says which URL lacked the token, and never repeats a token', () => {
    const missing = verdict(callback(body, 'parley_id=msg_01'));
    assert.ok(!missing.ok);
    assert.match(missing.reason, /https:\/\/sms\.example\.com\/hooks\/fr\/status\) has no token parameter/);
    const wrong = verdict(callback(body, 'token=guess-guess-guess-guess-00'));
    assert.ok(!wrong.ok && !wrong.reason.includes(token) && !wrong.reason.includes('guess'));
  });

  it('accepts what the test kit sends, and refuses it once the token is taken away', () => {
    const ch = smsmodeChannelSchema.parse(kit.channel('fr', '+33700000001', 'http://127.0.0.1:9', 'https://sms.example.com'));
    const signed = kit.inbound(
      { from: '+33612345678', to: '+33700000001', body: 'OUI', id: 'k1' },
      'https://sms.example.com/hooks/fr/inbound',
    );
    const asReceived = (url: string): WebhookRequest => ({
      ...callback(signed.body, null, 'inbound'),
      url: url.replace('https://sms.example.com', ''),
      publicUrl: url,
    });
    assert.deepEqual(verdict(asReceived(signed.url), ch), { ok: true });
    assert.equal(verdict(asReceived(kit.unauthenticated(signed).url), ch).ok, false);
  });

  it('takes only URL-safe tokens of 24 characters or more', () => {
    const block = kit.channel('fr', '+33700000001', 'http://127.0.0.1:9', 'https://sms.example.com');
    assert.equal(smsmodeChannelSchema.safeParse({ ...block, webhook_token: 'short-token' }).success, false);
    assert.equal(smsmodeChannelSchema.safeParse({ ...block, webhook_token: 'a token with spaces in it!!' }).success, false);
  });
});

const parse = (body: Buffer | string, path: WebhookPath = 'status', ch = channel()) => adapter.parse(callback(body, null, path), ch, path);
const receipt = (body: Buffer | string, path: WebhookPath = 'status'): StatusReceipt => {
  const event = parse(body, path);
  return event.kind === 'status' ? event.receipt : assert.fail(`expected a receipt, got ${event.kind}`);
};
const withStatus = (status: Record<string, unknown>) =>
  JSON.stringify({ ...(JSON.parse(fixture('status-delivered.json').toString()) as object), status });

describe('smsmode adapter: parse', () => {
  const reply = {
    kind: 'inbound',
    message: {
      from: '+33612345678',
      to: '+33700000001',
      body: 'Oui, à mercredi',
      mediaUrls: [],
      providerMessageId: '64a5f2b1c8e4d30012ab34cd',
      providerTime: Date.parse('2026-11-20T14:04:05.000Z'),
    },
  };

  it('reads a reply (MO) posted to the inbound URL, numbers from international digits', () => {
    assert.deepEqual(parse(fixture('mo.json'), 'inbound'), reply);
  });

  it('reads a reply by its direction on the events URL, and even on the status URL', () => {
    assert.deepEqual(parse(fixture('mo.json'), 'events'), reply);
    assert.deepEqual(parse(fixture('mo.json'), 'status'), reply);
  });

  it('gives a reply to a short code the channel number', () => {
    const mo = { ...(JSON.parse(fixture('mo.json').toString()) as object), recipient: { to: '36034' } };
    const event = parse(JSON.stringify(mo), 'inbound');
    assert.equal(event.kind === 'inbound' && event.message.to, '+33700000001');
  });

  it("reads a delivery report by messageId, with the delivery date and refClient as Parley's id", () => {
    assert.deepEqual(receipt(fixture('status-delivered.json')), {
      providerMessageId: '64a5f1e0c8e4d30012ab3400',
      status: 'delivered',
      providerStatus: 'DELIVERED',
      errorCode: null,
      providerTime: Date.parse('2026-11-20T14:04:01.000Z'),
      parleyMessageId: 'msg_01KAQ3F9A1B2C3D4E5F6G7H8J9',
    });
  });

  it('keeps the failure detail as the error code', () => {
    assert.deepEqual(receipt(fixture('status-undeliverable.json')), {
      providerMessageId: '64a5f1e0c8e4d30012ab3401',
      status: 'failed',
      providerStatus: 'UNDELIVERABLE',
      errorCode: 'INVALID_PHONE_NUMBER',
      providerTime: Date.parse('2026-11-20T14:03:59.000Z'),
      parleyMessageId: 'msg_01KAQ3F9A1B2C3D4E5F6G7H8JA',
    });
  });

  it('reads a blacklisted recipient (UNDELIVERABLE, BLACKLISTED) as one who opted out with smsmode', () => {
    assert.equal(receipt(withStatus({ value: 'UNDELIVERABLE', detail: 'BLACKLISTED' })).recipientOptedOut, true);
    assert.equal(receipt(withStatus({ value: 'UNDELIVERABLE', detail: 'INVALID_PHONE_NUMBER' })).recipientOptedOut, undefined);
    assert.equal(receipt(withStatus({ value: 'UNDELIVERED', detail: 'BLACKLISTED' })).recipientOptedOut, undefined);
  });

  it('reads a report by its direction even on the inbound URL, and without one on the events URL', () => {
    assert.equal(receipt(fixture('status-enroute.json'), 'inbound').status, 'sent');
    const undirected = { ...(JSON.parse(fixture('status-enroute.json').toString()) as Record<string, unknown>), direction: undefined };
    assert.equal(receipt(JSON.stringify(undirected), 'events').status, 'sent');
  });

  const values: Array<[string, string, string | null]> = [
    ['SCHEDULED', 'queued', null],
    ['ENROUTE', 'sent', null],
    ['DELIVERED', 'delivered', null],
    ['UNDELIVERED', 'undelivered', 'ABSENT_SUBSCRIBER'],
    ['UNDELIVERABLE', 'failed', 'ABSENT_SUBSCRIBER'],
    ['delivered', 'delivered', null],
  ];
  for (const [value, status, errorCode] of values) {
    it(`maps status ${value} to ${status}`, () => {
      const r = receipt(withStatus({ value, detail: 'ABSENT_SUBSCRIBER' }));
      assert.deepEqual([r.status, r.providerStatus, r.errorCode], [status, value, errorCode]);
    });
  }

  for (const value of ['READ', 'SOMETHING_NEW']) {
    it(`acknowledges status ${value} without applying it (an unknown status is not a failure)`, () => {
      assert.equal(parse(withStatus({ value })).kind, 'ignored');
    });
  }

  const mo = JSON.parse(fixture('mo.json').toString()) as Record<string, unknown>;
  const bad: Array<[string, WebhookRequest, WebhookPath, string]> = [
    ['a form body', { ...callback('messageId=1'), contentType: 'application/x-www-form-urlencoded' }, 'status', 'unsupported_media_type'],
    [
      'a GET with a query string',
      { ...callback('', `messageId=1&token=${token}`), method: 'GET', contentType: null },
      'status',
      'unsupported_media_type',
    ],
    ['truncated JSON', callback('{"messageId":'), 'status', 'invalid_json'],
    ['an array', callback('[]'), 'status', 'invalid_payload'],
    ['no messageId', callback(JSON.stringify({ ...mo, messageId: undefined }), null, 'inbound'), 'inbound', 'invalid_payload'],
    ['a number for messageId', callback(JSON.stringify({ ...mo, messageId: 1234 }), null, 'inbound'), 'inbound', 'invalid_payload'],
    ['a status that is a string', callback(withStatus('DELIVERED' as unknown as Record<string, unknown>)), 'status', 'invalid_payload'],
    ['a report without status.value', callback(withStatus({ detail: 'x' })), 'status', 'invalid_payload'],
    ['a reply without text', callback(JSON.stringify({ ...mo, body: {} }), null, 'inbound'), 'inbound', 'invalid_payload'],
    ['a reply from a name', callback(JSON.stringify({ ...mo, from: 'Orange' }), null, 'inbound'), 'inbound', 'invalid_phone_number'],
    ['an undirected body with neither text nor status', callback('{"messageId":"m1"}', null, 'events'), 'events', 'invalid_payload'],
  ];
  for (const [name, request, path, code] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      assert.throws(
        () => adapter.parse(request, channel(), path),
        (e: unknown) => e instanceof ParleyError && e.code === code,
      );
    });
  }
});

describe('smsmode adapter: HTTP API callbacks', () => {
  const query = (name: string) => fixture(name).toString();
  const get = (q: string, path: WebhookPath = 'status'): WebhookRequest => ({
    ...callback('', `${q}&token=${token}`, path),
    method: 'GET',
    headers: {},
    contentType: null,
  });
  const form = (q: string, path: WebhookPath = 'status'): WebhookRequest => ({
    ...callback(q, `token=${token}`, path),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    contentType: 'application/x-www-form-urlencoded',
  });
  const read = (request: WebhookRequest, path: WebhookPath = 'status') => adapter.parse(request, channel(), path);
  const report = (fields: Record<string, string>) =>
    new URLSearchParams({ numero: '33612345679', smsID: 'DPt8tZAVxEm5', ...fields }).toString();

  it("reads a delivery report from the GET query, refClient as Parley's id", () => {
    assert.deepEqual(read(get(query('http-api-report.query'))), {
      kind: 'status',
      receipt: {
        providerMessageId: 'DPt8tZAVxEm5',
        status: 'delivered',
        providerStatus: '11',
        errorCode: null,
        providerTime: null,
        parleyMessageId: 'msg_01KAQ3F9A1B2C3D4E5F6G7H8JA',
      },
    });
  });
  it('reads the same report posted as a form, and on any of the three URLs', () => {
    const expected = read(get(query('http-api-report.query')));
    assert.deepEqual(read(form(query('http-api-report.query'))), expected);
    assert.deepEqual(read(get(query('http-api-report.query'), 'inbound'), 'inbound'), expected);
    assert.deepEqual(read(get(query('http-api-report.query'), 'events'), 'events'), expected);
  });
  it('verifies the token of a GET callback like any other', () => {
    assert.equal(verdict(get(query('http-api-report.query'))).ok, true);
    const untokened: WebhookRequest = { ...get(query('http-api-report.query')), url: `/hooks/fr/status?${query('http-api-report.query')}` };
    assert.equal(verdict({ ...untokened, publicUrl: `https://sms.example.com${untokened.url}` }).ok, false);
  });

  const codes: Array<[string, string | null, boolean]> = [
    ['0', 'sent', false],
    ['1', 'queued', false],
    ['10', 'queued', false],
    ['11', 'delivered', false],
    ['13', 'sent', false],
    ['14', 'sent', false],
    ['2', 'failed', false],
    ['22', 'failed', false],
    ['33', 'failed', false],
    ['35', 'undelivered', false],
    ['3502', 'undelivered', false],
    ['3524', 'failed', false],
    ['37', 'undelivered', false],
    ['3998', 'failed', false],
    ['3999', 'failed', true],
    ['50', 'undelivered', false],
    ['100', null, false],
    ['999', null, false],
  ];
  for (const [code, status, optedOut] of codes) {
    it(`maps statut ${code} to ${status ?? 'nothing applied'}${optedOut ? ', the recipient having opted out' : ''}`, () => {
      const event = read(get(report({ statut: code })));
      if (status === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind, 'status');
      const r = event.receipt;
      const failed = status === 'failed' || status === 'undelivered';
      assert.deepEqual(
        [r.status, r.providerStatus, r.errorCode, r.recipientOptedOut ?? false],
        [status, code, failed ? code : null, optedOut],
      );
    });
  }

  it('reads a reply: numero is the texter, emetteur the number replied to, responseID the id', () => {
    assert.deepEqual(read(get(query('http-api-reply.query'), 'inbound'), 'inbound'), {
      kind: 'inbound',
      message: {
        from: '+33612345678',
        to: '+33700000001',
        body: 'Oui, à mercredi',
        mediaUrls: [],
        providerMessageId: 'Rk3v9QmZ2aPx',
        providerTime: null,
      },
    });
  });
  it('gives a reply to a short code the channel number', () => {
    const event = read(get(query('http-api-reply.query').replace('emetteur=33700000001', 'emetteur=36034'), 'inbound'), 'inbound');
    assert.equal(event.kind === 'inbound' && event.message.to, '+33700000001');
  });
  it('without responseID, keeps two replies to one message apart and a retried reply one', () => {
    const reply = (message: string, at: string) =>
      new URLSearchParams({
        numero: '33612345678',
        message,
        emetteur: '33700000001',
        date_reception: at,
        smsID: 'DPt8tZAVxEm5',
      }).toString();
    const idOf = (q: string) => {
      const event = read(get(q, 'inbound'), 'inbound');
      return event.kind === 'inbound' ? event.message.providerMessageId : assert.fail(event.kind);
    };
    const first = idOf(reply('OUI', '2026-11-20 14:04:05'));
    assert.equal(idOf(reply('OUI', '2026-11-20 14:04:05')), first, "smsmode's retry");
    assert.notEqual(idOf(reply('STOP', '2026-11-20 14:04:09')), first, 'a second reply to the same message');
    assert.match(first, /^DPt8tZAVxEm5:/);
  });

  const bad: Array<[string, string, WebhookPath, string]> = [
    ['a report with an unknown statut', report({ statut: '4242' }), 'status', 'invalid_payload'],
    ['a report without smsID', new URLSearchParams({ numero: '33612345679', statut: '11' }).toString(), 'status', 'invalid_payload'],
    ['a reply without numero', new URLSearchParams({ message: 'OUI', responseID: 'r1' }).toString(), 'inbound', 'invalid_payload'],
    [
      'a reply from a name',
      new URLSearchParams({ numero: 'Orange', message: 'OUI', responseID: 'r1' }).toString(),
      'inbound',
      'invalid_phone_number',
    ],
    ['a reply without message', new URLSearchParams({ numero: '33612345678', responseID: 'r1' }).toString(), 'inbound', 'invalid_payload'],
    [
      'a reply without responseID or smsID',
      new URLSearchParams({ numero: '33612345678', message: 'OUI', statut: '' }).toString(),
      'inbound',
      'invalid_payload',
    ],
  ];
  for (const [name, q, path, code] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      assert.throws(
        () => read(get(q, path), path),
        (e: unknown) => e instanceof ParleyError && e.code === code,
      );
    });
  }
});

describe('smsmode adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = {
    id: 'msg_01KAQ3F9A1B2C3D4E5F6G7H8J9',
    from: '+33700000001',
    to: '+33612345678',
    body: 'Votre rendez-vous est mercredi à 15 h.',
    mediaUrls: [],
    statusCallbackUrl: 'https://sms.example.com/hooks/fr/status?parley_id=msg_01KAQ3F9A1B2C3D4E5F6G7H8J9',
  };
  const created = JSON.parse(fixture('send-response.json').toString()) as unknown;

  it("posts the message with X-Api-Key, Parley's id as refClient and callback URLs that carry the token", async () => {
    api.next = { status: 201, body: created };
    assert.deepEqual(await adapter.send(message, channel({ api_url: api.url, public_url: 'https://sms.example.com' })), {
      providerMessageId: '64a5f1e0c8e4d30012ab3400',
      status: 'sent',
    });
    assert.deepEqual(
      { method: api.last().method, path: api.last().path, apiKey: api.last().headers['x-api-key'], body: api.lastJson() },
      {
        method: 'POST',
        path: '/sms/v1/messages',
        apiKey: 'api-key-0123',
        body: {
          recipient: { to: '33612345678' },
          body: { text: 'Votre rendez-vous est mercredi à 15 h.' },
          refClient: message.id,
          callbackUrlStatus: `https://sms.example.com/hooks/fr/status?parley_id=msg_01KAQ3F9A1B2C3D4E5F6G7H8J9&token=${token}`,
          callbackUrlMo: `https://sms.example.com/hooks/fr/inbound?token=${token}`,
        },
      },
    );
  });

  it('sends the configured sender, and no callback URLs without a public_url', async () => {
    api.next = { status: 201, body: { messageId: 'm2' } };
    assert.deepEqual(await adapter.send({ ...message, statusCallbackUrl: null }, channel({ api_url: api.url, sender: 'Cabinet' })), {
      providerMessageId: 'm2',
      status: 'queued',
    });
    assert.deepEqual(api.lastJson(), {
      recipient: { to: '33612345678' },
      body: { text: message.body },
      from: 'Cabinet',
      refClient: message.id,
    });
  });

  it('adds the token to a URL with or without a query', () => {
    assert.equal(withToken('https://h/hooks/fr/status', 'abc'), 'https://h/hooks/fr/status?token=abc');
    assert.equal(withToken('https://h/hooks/fr/status?parley_id=m1', 'abc'), 'https://h/hooks/fr/status?parley_id=m1&token=abc');
  });

  it('refuses media without calling smsmode', async () => {
    const before = api.received.length;
    await assert.rejects(
      adapter.send({ ...message, mediaUrls: ['https://example.com/a.jpg'] }, channel({ api_url: api.url })),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected',
    );
    assert.equal(api.received.length, before);
  });

  const failures: Array<[string, Reply, string, string | null]> = [
    [
      'a 400 for an invalid number',
      { status: 400, body: { errorCode: 'INVALID_PHONE_NUMBER', detail: 'recipient.to is not a valid phone number' } },
      'rejected',
      'INVALID_PHONE_NUMBER',
    ],
    [
      'a 400 for a blacklisted recipient',
      { status: 400, body: { errorCode: 'BLACKLISTED', detail: 'The recipient is in the blacklist' } },
      'recipient_opted_out',
      'BLACKLISTED',
    ],
    [
      'a refusal with the code under details',
      { status: 422, body: { details: { errorCode: 'INVALID_SENDER', detail: 'from is not allowed' } } },
      'rejected',
      'INVALID_SENDER',
    ],
    ['a 401', { status: 401, body: { errorCode: 'UNAUTHORIZED', detail: 'Invalid API key' } }, 'rejected', 'UNAUTHORIZED'],
    ['a 402 (no credit left)', { status: 402, body: { detail: 'Insufficient credits' } }, 'rejected', '402'],
    ['a 429', { status: 429, body: {} }, 'throttled', '429'],
    ['a 503', { status: 503, body: {} }, 'provider_unavailable', '503'],
    ['a 201 without messageId', { status: 201, body: { status: { value: 'ENROUTE' } } }, 'invalid_response', null],
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

  it('classifies a refused connection and a timeout as connection failures', async () => {
    await assert.rejects(
      adapter.send(message, channel({ api_url: 'http://127.0.0.1:9' })),
      (e: unknown) => e instanceof SendError && e.kind === 'connection',
    );
    api.next = { status: 201, body: created, hang: true };
    await assert.rejects(
      adapter.send(message, channel({ api_url: api.url, send_timeout: 150 })),
      (e: unknown) => e instanceof SendError && e.kind === 'connection',
    );
  });

  describe('against the test kit stand-in', () => {
    const kitApi = new ApiStandIn((request) => kit.answerSend(request));
    before(() => kitApi.start());
    after(() => kitApi.stop());

    it('is accepted with the kit channel, and its receipt URL passes verify', async () => {
      const ch = smsmodeChannelSchema.parse(kit.channel('fr', '+33700000001', kitApi.url, 'https://sms.example.com'));
      const answer = kit.answerSend({ method: 'POST', path: '/sms/v1/messages', headers: { 'x-api-key': 'wrong' }, body: '{}' });
      assert.equal(answer.status, 401);
      const result = await adapter.send(message, ch);
      assert.equal(result.status, 'sent');
      const receiptRequest = kit.status(
        { providerMessageId: result.providerMessageId, from: '+33700000001', to: message.to, delivered: true },
        withToken(message.statusCallbackUrl, ch.webhook_token),
      );
      const received = {
        ...callback(receiptRequest.body, null),
        url: receiptRequest.url.replace('https://sms.example.com', ''),
        publicUrl: receiptRequest.url,
      };
      assert.deepEqual(verdict(received, ch), { ok: true });
      const parsed = adapter.parse(received, ch, 'status');
      assert.deepEqual(parsed.kind === 'status' && [parsed.receipt.providerMessageId, parsed.receipt.status], [
        result.providerMessageId,
        'delivered',
      ]);
    });
  });
});
