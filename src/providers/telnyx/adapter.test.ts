import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookEvent, type WebhookRequest } from '../contract.js';
import { telnyxAdapter, telnyxPublicKey } from './adapter.js';
import { telnyxChannelSchema, type TelnyxChannelConfig } from './config.js';
import { kit } from './test-kit.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url)).subarray(0, -1); // without the final newline
const now = Date.parse('2026-11-23T15:04:10Z');
const nowSeconds = Math.floor(now / 1000);

// RFC 8032 §7.1 TEST 1: a published Ed25519 key pair. Telnyx publishes no fixed webhook vector
// (team-telnyx/telnyx-node tests/webhooks.test.ts @ 002307d6c069e29353da64877453e28b5c1e839c and
// team-telnyx/telnyx-python tests/test_webhook.py @ 0f959d7a3353a1a2aa16ad1420d60d38522c958d generate
// a key pair per run; their cases are reproduced below), so the published part is the key format:
// the raw 32-byte public key, base64, as the Telnyx portal shows it.
const rfc8032 = {
  secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  emptyMessageSignature:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};
const rfcPublicKey = Buffer.from(rfc8032.public, 'hex').toString('base64');
const rfcPrivateKey = createPrivateKey({
  key: {
    kty: 'OKP',
    crv: 'Ed25519',
    d: Buffer.from(rfc8032.secret, 'hex').toString('base64url'),
    x: Buffer.from(rfc8032.public, 'hex').toString('base64url'),
  },
  format: 'jwk',
});
// [DERIVED] Ed25519 is deterministic: the RFC key's signature over `1795446250|` + message-received.json.
const derivedSignature = 'p3iNhAplzk5LNYINNwN7Yl2AM9i68uI2CB9anfDgkrkP4fTtbKCzeHrNPp1MEy0bwV/dZTkoqnWo+Ju1Bt1sCA==';

// A fresh key pair, as Telnyx's own SDK tests make one: the channel holds the raw public key.
const generated = generateKeyPairSync('ed25519');
const generatedPublicKey = generated.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
const stranger = generateKeyPairSync('ed25519');

function channel(extra: Partial<TelnyxChannelConfig> = {}): TelnyxChannelConfig {
  return {
    name: 'tx',
    provider: 'telnyx',
    numbers: ['+18005550100'],
    api_key: 'KEY0123456789abcdef',
    public_key: rfcPublicKey,
    verify: 'enforce',
    send_timeout: 2_000,
    ...extra,
  };
}

/** Signed here with node:crypto directly, independently of the adapter. */
function signed(
  body: Buffer,
  options: { timestamp?: number; key?: KeyObject; headers?: Record<string, string | undefined> } = {},
): WebhookRequest {
  const timestamp = String(options.timestamp ?? nowSeconds);
  const signature = sign(null, Buffer.concat([Buffer.from(`${timestamp}|`), body]), options.key ?? rfcPrivateKey).toString('base64');
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'telnyx-timestamp': timestamp,
    'telnyx-signature-ed25519': signature,
    ...options.headers,
  };
  return {
    method: 'POST',
    url: '/hooks/tx/events',
    publicUrl: 'https://sms.example.com/hooks/tx/events',
    headers,
    rawBody: body,
    contentType: 'application/json',
    receivedAt: now,
  };
}

/** The same request with spaces around both header values (a proxy may add them); they are not part of what was signed. */
function padded(request: WebhookRequest): WebhookRequest {
  const headers = { ...request.headers };
  for (const name of ['telnyx-timestamp', 'telnyx-signature-ed25519']) headers[name] = ` ${String(headers[name])} `;
  return { ...request, headers };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const verdict = async (request: WebhookRequest, ch = channel()) => telnyxAdapter.verify(request, ch);

describe('telnyx adapter: verify', () => {
  const body = fixture('message-received.json');

  it('imports the raw public key the way RFC 8032 TEST 1 needs it (published vector)', () => {
    assert.equal(verify(null, Buffer.alloc(0), telnyxPublicKey(rfcPublicKey), Buffer.from(rfc8032.emptyMessageSignature, 'hex')), true);
  });

  it('accepts the fixed [DERIVED] vector: RFC 8032 key, timestamp 1795446250, the official message.received example', async () => {
    const request = signed(body, { headers: { 'telnyx-signature-ed25519': derivedSignature, 'telnyx-timestamp': '1795446250' } });
    assert.deepEqual(await verdict(request), { ok: true });
  });

  const unicode = json({ data: { id: 'e1', event_type: 'message.received', payload: { id: 'm1', text: 'àáâãäåæç ñòóôõö 中文 🚀' } } });
  const cases: Array<[string, WebhookRequest, boolean, TelnyxChannelConfig?]> = [
    ['a signature over timestamp|body', signed(body), true],
    [
      'a generated key pair, as telnyx-node tests do',
      signed(body, { key: generated.privateKey }),
      true,
      channel({ public_key: generatedPublicKey }),
    ],
    ['a body with multi-byte characters (telnyx-node "special characters")', signed(unicode), true],
    ['surrounding whitespace in the headers', padded(signed(body)), true],
    ['a timestamp 299 s old', signed(body, { timestamp: nowSeconds - 299 }), true],
    ['a timestamp 299 s ahead', signed(body, { timestamp: nowSeconds + 299 }), true],
    ['a timestamp 400 s old (telnyx-node "old timestamp")', signed(body, { timestamp: nowSeconds - 400 }), false],
    ['a timestamp 400 s ahead (telnyx-node "future timestamp")', signed(body, { timestamp: nowSeconds + 400 }), false],
    ['a signature made with another key', signed(body, { key: stranger.privateKey }), false],
    ['no signature header', signed(body, { headers: { 'telnyx-signature-ed25519': undefined } }), false],
    ['no timestamp header', signed(body, { headers: { 'telnyx-timestamp': undefined } }), false],
    [
      'a timestamp that is not a number (telnyx-node "invalid timestamp format")',
      signed(body, { headers: { 'telnyx-timestamp': 'invalid_timestamp' } }),
      false,
    ],
    [
      'a signature that is not base64 of 64 bytes (telnyx-node "invalid signature format")',
      signed(body, { headers: { 'telnyx-signature-ed25519': 'invalid_signature' } }),
      false,
    ],
    [
      '64 random bytes (telnyx-node "invalid signature")',
      signed(body, { headers: { 'telnyx-signature-ed25519': randomBytes(64).toString('base64') } }),
      false,
    ],
    ['one byte of the body changed', { ...signed(body), rawBody: Buffer.from(body.toString().replace('Hello', 'Jello')) }, false],
    [
      'the timestamp changed after signing',
      signed(body, {
        headers: {
          'telnyx-timestamp': String(nowSeconds - 1),
          'telnyx-signature-ed25519': sign(null, Buffer.concat([Buffer.from(`${nowSeconds}|`), body]), rfcPrivateKey).toString('base64'),
        },
      }),
      false,
    ],
    [
      'a signature over the body alone, without the timestamp',
      signed(body, { headers: { 'telnyx-signature-ed25519': sign(null, body, rfcPrivateKey).toString('base64') } }),
      false,
    ],
    ['a channel whose public_key is not a key', signed(body), false, channel({ public_key: 'AAAA' })],
  ];
  for (const [name, request, ok, ch] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, async () => assert.equal((await verdict(request, ch)).ok, ok));
  }

  it('says how far off a stale timestamp is, and names the public key on a mismatch', async () => {
    const stale = await verdict(signed(body, { timestamp: nowSeconds - 3600 }));
    assert.match(stale.ok ? '' : stale.reason, /3600 s from this server's clock/);
    const mismatch = await verdict(signed(body, { key: stranger.privateKey }));
    assert.match(mismatch.ok ? '' : mismatch.reason, /public_key/);
  });
});

const parse = (body: Buffer | string, contentType: string | null = 'application/json'): WebhookEvent => {
  const request = signed(Buffer.isBuffer(body) ? body : Buffer.from(body));
  return telnyxAdapter.parse({ ...request, contentType }, channel(), 'events');
};

describe('telnyx adapter: parse', () => {
  it('reads the official message.received example', () => {
    assert.deepEqual(parse(fixture('message-received.json')), {
      kind: 'inbound',
      message: {
        from: '+18665550001',
        to: '+18445550001',
        body: 'Hello, World!',
        mediaUrls: [],
        providerMessageId: '7ee4241c-f127-47e5-9c34-3aac291f8058',
        providerTime: Date.parse('2019-01-23T18:10:02.574Z'),
      },
    });
  });

  it('reads MMS media', () => {
    const event = parse(fixture('message-received-mms.json'));
    assert.deepEqual(event.kind === 'inbound' && [event.message.body, event.message.mediaUrls], [
      '',
      ['https://media.telnyx.example/0b1c.jpg'],
    ]);
  });

  it('reads the official message.sent example as a queued receipt, keyed by the event id', () => {
    assert.deepEqual(parse(fixture('message-sent.json')), {
      kind: 'status',
      receipt: {
        providerMessageId: '40385f64-5717-4562-b3fc-2c963f66afa6',
        status: 'queued',
        providerStatus: 'queued',
        errorCode: null,
        providerTime: null, // the example's occurred_at is the placeholder "date-time"
        notificationId: '86f58db9-0fe3-4adc-9d1f-46e66e6e9323',
      },
    });
  });

  it('reads finalized events, with the first error code as text', () => {
    assert.deepEqual(parse(fixture('message-finalized-failed.json')), {
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
    const delivered = parse(fixture('message-finalized-delivered.json'));
    assert.deepEqual(delivered.kind === 'status' && [delivered.receipt.status, delivered.receipt.errorCode], ['delivered', null]);
  });

  const withStatus = (status: string, errors: unknown[] = []) => {
    const event = JSON.parse(fixture('message-finalized-delivered.json').toString()) as {
      data: { payload: { to: Array<{ status: string }>; errors: unknown[] } };
    };
    event.data.payload.to[0]!.status = status;
    event.data.payload.errors = errors;
    return json(event);
  };
  const statuses: Array<[string, string | null]> = [
    ['queued', 'queued'],
    ['sending', 'sending'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['sending_failed', 'failed'],
    ['delivery_failed', 'undelivered'],
    ['expired', 'undelivered'],
    ['delivery_unconfirmed', 'sent'],
    ['webhook_delivered', null],
    ['constructor', null],
    ['', null],
  ];
  for (const [telnyx, parley] of statuses) {
    it(`maps recipient status "${telnyx}" to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = parse(withStatus(telnyx));
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.deepEqual(event.kind === 'status' && [event.receipt.status, event.receipt.providerStatus], [parley, telnyx]);
    });
  }

  it('keeps a numeric error code as text, and reads 40300 (blocked after STOP) as an opt-out', () => {
    const event = parse(withStatus('sending_failed', [{ code: 40300, title: 'Blocked due to STOP message' }]));
    assert.deepEqual(event.kind === 'status' && [event.receipt.errorCode, event.receipt.recipientOptedOut], ['40300', true]);
    const other = parse(withStatus('sending_failed', [{ code: 40008, title: 'Undeliverable' }]));
    assert.equal(other.kind === 'status' && other.receipt.recipientOptedOut, undefined);
  });

  it('ignores events Parley has no use for', () => {
    for (const type of ['number_order.complete', 'message.read', 'call.initiated']) {
      const event = parse(json({ data: { id: 'e1', event_type: type, payload: { id: 'x' } } }));
      assert.deepEqual(event.kind === 'ignored' && event.reason, `event ${type} is not used`);
    }
  });

  const bad: Array<[string, string, string, string?]> = [
    ['a form body', 'data=1', 'unsupported_media_type', 'application/x-www-form-urlencoded'],
    ['no content type', '{}', 'unsupported_media_type', ''],
    ['truncated JSON', '{"data":{"id"', 'invalid_json'],
    ['an array', '[]', 'invalid_payload'],
    ['no data', '{"meta":{}}', 'invalid_payload'],
    ['data as an array', '{"data":[]}', 'invalid_payload'],
    ['a payload without an id', '{"data":{"id":"e","event_type":"message.received","payload":{}}}', 'invalid_payload'],
    ['a numeric payload id', '{"data":{"id":"e","event_type":"message.received","payload":{"id":7}}}', 'invalid_payload'],
    ['to as a string', '{"data":{"id":"e","event_type":"message.received","payload":{"id":"m","to":"+1"}}}', 'invalid_payload'],
    [
      'media as an object',
      '{"data":{"id":"e","event_type":"message.received","payload":{"id":"m","media":{"url":"x"}}}}',
      'invalid_payload',
    ],
    [
      'an unreadable sender',
      '{"data":{"id":"e","event_type":"message.received","payload":{"id":"m","from":{"phone_number":"x"},"to":[{"phone_number":"+18005550100"}]}}}',
      'invalid_phone_number',
    ],
    [
      'no recipient',
      '{"data":{"id":"e","event_type":"message.received","payload":{"id":"m","from":{"phone_number":"+15551234567"},"to":[]}}}',
      'invalid_phone_number',
    ],
  ];
  for (const [name, body, code, contentType] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      assert.throws(
        () => parse(body, contentType === undefined ? 'application/json' : contentType || null),
        (e: unknown) => e instanceof ParleyError && e.code === code,
      );
    });
  }
});

describe('telnyx adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = {
    id: 'msg_01',
    from: '+18005550100',
    to: '+15551234567',
    body: 'Reply YES to confirm',
    mediaUrls: [],
    statusCallbackUrl: 'https://sms.example.com/hooks/tx/status?parley_id=msg_01',
  };

  it('posts JSON with the Bearer key, the profile and the per-message webhook URL, and reads data.id', async () => {
    api.next = { status: 200, body: { data: { id: '40317159-b4f7', to: [{ phone_number: '+15551234567', status: 'queued' }] } } };
    assert.deepEqual(await telnyxAdapter.send(message, channel({ api_url: api.url, messaging_profile_id: 'prof-1' })), {
      providerMessageId: '40317159-b4f7',
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
        path: '/v2/messages',
        authorization: 'Bearer KEY0123456789abcdef',
        contentType: 'application/json',
        body: {
          from: message.from,
          to: message.to,
          text: message.body,
          messaging_profile_id: 'prof-1',
          webhook_url: message.statusCallbackUrl,
        },
      },
    );
  });

  it('adds media_urls for MMS, leaves webhook_url out without a public URL, and reads the initial status', async () => {
    api.next = { status: 200, body: { data: { id: 'm2', to: [{ status: 'sending' }] } } };
    const result = await telnyxAdapter.send(
      { ...message, mediaUrls: ['https://example.com/a.png'], statusCallbackUrl: null },
      channel({ api_url: api.url }),
    );
    assert.deepEqual(result, { providerMessageId: 'm2', status: 'sending' });
    assert.deepEqual(api.lastJson(), { from: message.from, to: message.to, text: message.body, media_urls: ['https://example.com/a.png'] });
  });

  const failures: Array<[string, Reply | 'closed', string, string | null]> = [
    [
      '40300 (blocked: the recipient sent STOP)',
      {
        status: 400,
        body: {
          errors: [
            { code: '40300', title: 'Blocked due to STOP message', detail: 'Messages cannot be sent due to an existing block rule.' },
          ],
        },
      },
      'recipient_opted_out',
      '40300',
    ],
    [
      '40300 as a number',
      { status: 403, body: { errors: [{ code: 40300, title: 'Blocked due to STOP message' }] } },
      'recipient_opted_out',
      '40300',
    ],
    [
      '40310 (an invalid "to" address)',
      { status: 400, body: { errors: [{ code: '40310', title: "Invalid 'to' address" }] } },
      'rejected',
      '40310',
    ],
    [
      '10009 (authentication failed)',
      { status: 401, body: { errors: [{ code: '10009', title: 'Authentication failed' }] } },
      'rejected',
      '10009',
    ],
    ['a 4xx without a body', { status: 404, body: '' }, 'rejected', '404'],
    ['429', { status: 429, body: { errors: [{ code: '10011', title: 'Too many requests' }] } }, 'throttled', '10011'],
    ['a 503', { status: 503, body: {} }, 'provider_unavailable', '503'],
    ['a 200 without data.id', { status: 200, body: { data: {} } }, 'invalid_response', null],
    ['a 200 whose data is an array', { status: 200, body: { data: [] } }, 'invalid_response', null],
    ['a closed port', 'closed', 'connection', null],
    ['no answer before send_timeout', { status: 200, body: {}, hang: true }, 'connection', null],
  ];
  for (const [name, reply, kind, code] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      if (reply !== 'closed') api.next = reply;
      const ch = channel({ api_url: reply === 'closed' ? 'http://127.0.0.1:9' : api.url, send_timeout: 300 });
      await assert.rejects(
        telnyxAdapter.send(message, ch),
        (e: unknown) => e instanceof SendError && e.kind === kind && e.providerCode === code,
      );
    });
  }
});

describe("telnyx adapter: against the test kit's stand-in for the Messages API", () => {
  const kitApi = new ApiStandIn((request) => kit.answerSend(request));
  before(() => kitApi.start());
  after(() => kitApi.stop());
  const kitChannel = () => telnyxChannelSchema.parse(kit.channel('tx', '+18005550100', kitApi.url, 'https://sms.example.com'));
  const message = { id: 'msg_02', from: '+18005550100', to: '+15551234567', body: 'Hi', mediaUrls: [], statusCallbackUrl: null };

  it("is accepted with the channel's key", async () => {
    const result = await telnyxAdapter.send(message, kitChannel());
    assert.equal(result.status, 'queued');
    assert.match(result.providerMessageId, /^[0-9a-f-]{36}$/);
  });
  it('is refused with another key, as Telnyx refuses it (10009)', async () => {
    await assert.rejects(
      telnyxAdapter.send(message, { ...kitChannel(), api_key: 'KEYwrong0123456789' }),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected' && e.providerCode === '10009',
    );
  });
  it('is refused without text, as Telnyx refuses it', async () => {
    await assert.rejects(
      telnyxAdapter.send({ ...message, body: '' }, kitChannel()),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected',
    );
  });
  it("the kit's signed webhooks pass the adapter's verify and parse", async () => {
    const ch = kitChannel();
    const inbound = kit.inbound(
      { from: '+15551234567', to: '+18005550100', body: 'YES', id: 'kit-in-1' },
      'https://sms.example.com/hooks/tx/events',
    );
    const request: WebhookRequest = {
      method: 'POST',
      url: '/hooks/tx/events',
      publicUrl: inbound.url,
      headers: Object.fromEntries(Object.entries(inbound.headers).map(([k, v]) => [k.toLowerCase(), v])),
      rawBody: Buffer.from(inbound.body),
      contentType: 'application/json',
      receivedAt: Date.now(),
    };
    assert.deepEqual(await telnyxAdapter.verify(request, ch), { ok: true });
    const event = telnyxAdapter.parse(request, ch, 'events');
    assert.deepEqual(event.kind === 'inbound' && [event.message.from, event.message.body, event.message.providerMessageId], [
      '+15551234567',
      'YES',
      'kit-in-1',
    ]);
  });
});

describe('telnyx channel config', () => {
  const base = { name: 'tx', provider: 'telnyx', numbers: ['+18005550100'], api_key: 'KEY0123456789abcdef' };
  it("takes the portal's base64 public key", () =>
    assert.equal(telnyxChannelSchema.safeParse({ ...base, public_key: rfcPublicKey }).success, true));
  it('refuses a PEM, hex or truncated key with a message that says where to find it', () => {
    for (const key of [rfc8032.public, rfcPublicKey.slice(0, 20), '-----BEGIN PUBLIC KEY-----']) {
      const result = telnyxChannelSchema.safeParse({ ...base, public_key: key });
      assert.equal(result.success, false);
      assert.match(result.error.issues[0]!.message, /Public Key/);
    }
  });
});
