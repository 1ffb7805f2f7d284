import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookEvent, type WebhookRequest } from '../contract.js';
import { birdAdapter as adapter } from './adapter.js';
import { birdChannelSchema, type BirdChannelConfig } from './config.js';
import { kit } from './test-kit.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url)).subarray(0, -1); // without the final newline
const key = 'bird-signing-key-01';
const url = 'https://sms.example.com/hooks/bd/events';
const now = Date.parse('2026-11-23T15:04:10Z');
const nowSeconds = Math.floor(now / 1000);

function channel(extra: Partial<BirdChannelConfig> = {}): BirdChannelConfig {
  return {
    name: 'bd',
    provider: 'bird',
    numbers: ['+31970102030'],
    access_key: 'access-key-01',
    workspace_id: 'ws1',
    channel_id: 'ch1',
    signing_key: key,
    verify: 'enforce',
    send_timeout: 2_000,
    ...extra,
  };
}

type Signing = { signedUrl?: string; timestamp?: number | string; key?: string; headers?: Record<string, string | undefined> };

/** As docs.bird.com builds it, here with node:crypto directly: timestamp \n URL \n raw SHA-256 of the body. */
function signed(body: Buffer, options: Signing = {}): WebhookRequest {
  const timestamp = String(options.timestamp ?? nowSeconds);
  const signature = createHmac('sha256', options.key ?? key)
    .update(Buffer.concat([Buffer.from(`${timestamp}\n${options.signedUrl ?? url}\n`), createHash('sha256').update(body).digest()]))
    .digest('base64');
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    'messagebird-signature': signature,
    'messagebird-request-timestamp': timestamp,
    ...options.headers,
  };
  return {
    method: 'POST',
    url: '/hooks/bd/events',
    publicUrl: url,
    headers,
    rawBody: body,
    contentType: 'application/json',
    receivedAt: now,
  };
}

const verdict = async (request: WebhookRequest, ch = channel()) => adapter.verify(request, ch);

describe('bird adapter: verify (messagebird-signature)', () => {
  const body = fixture('sms-inbound.json');

  // Bird publishes the scheme with PHP/Go snippets (docs.bird.com "Verifying a webhook subscription")
  // but no fixed vector. [DERIVED] with the snippet's own key and URL, timestamp 1795446250, over
  // the documented sms.inbound example; recomputed with node:crypto, not by the adapter.
  it("accepts the [DERIVED] vector built with the docs snippet's key and URL", async () => {
    const request: WebhookRequest = {
      ...signed(body),
      publicUrl: 'https://domain.com/webhook/bird',
      headers: { 'messagebird-signature': 'JmnsQKuT0RPrDGcwu9rFfqF6u7bbgDU6TJoQtnccnfk=', 'messagebird-request-timestamp': '1795446250' },
    };
    assert.deepEqual(await verdict(request, channel({ signing_key: 'secureSigningKey' })), { ok: true });
  });

  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['a correct signature', signed(body), true],
    ['a timestamp 4 minutes old', signed(body, { timestamp: nowSeconds - 240 }), true],
    ['a timestamp in milliseconds', signed(body, { timestamp: now }), true],
    ['a timestamp 6 minutes old', signed(body, { timestamp: nowSeconds - 360 }), false],
    ['a timestamp 6 minutes ahead', signed(body, { timestamp: nowSeconds + 360 }), false],
    ['a timestamp that is not a number', signed(body, { timestamp: 'yesterday' }), false],
    [
      'a signature for another URL (an internal address behind a proxy)',
      signed(body, { signedUrl: 'http://10.0.0.5:3000/hooks/bd/events' }),
      false,
    ],
    ['a signature for the URL without its query', { ...signed(body, { signedUrl: url }), publicUrl: `${url}?x=1` }, false],
    ['another signing key', signed(body, { key: 'another-signing-key' }), false],
    ['a body changed after signing', { ...signed(body), rawBody: Buffer.from(body.toString().replace('Sample', 'Simple')) }, false],
    ['the timestamp changed after signing', signed(body, { headers: { 'messagebird-request-timestamp': String(nowSeconds - 1) } }), false],
    ['no signature header', signed(body, { headers: { 'messagebird-signature': undefined } }), false],
    ['no timestamp header', signed(body, { headers: { 'messagebird-request-timestamp': undefined } }), false],
    [
      'a signature over the hex digest instead of the raw bytes',
      signed(body, {
        headers: {
          'messagebird-signature': createHmac('sha256', key)
            .update(`${nowSeconds}\n${url}\n${createHash('sha256').update(body).digest('hex')}`)
            .digest('base64'),
        },
      }),
      false,
    ],
  ];
  for (const [name, request, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, async () => assert.equal((await verdict(request)).ok, ok));
  }

  it('names the URL it checked when the signature does not match', async () => {
    const result = await verdict(signed(body, { signedUrl: 'http://10.0.0.5:3000/hooks/bd/events' }));
    assert.match(
      result.ok ? '' : result.reason,
      /checked against the URL https:\/\/sms\.example\.com\/hooks\/bd\/events.*public_url or server\.trust_proxy/,
    );
    assert.doesNotMatch(result.ok ? '' : result.reason, new RegExp(key));
  });
});

interface JwtVector {
  name: string;
  method: string;
  secret?: string;
  url: string;
  payload?: string;
  timestamp: string;
  token: string;
  valid: boolean;
}

describe('bird adapter: verify (legacy MessageBird-Signature-JWT)', () => {
  // The published vectors: messagebird/messagebird-nodejs lib/testdata/webhook-signature-jwt-reference.json
  // (commit 8b2295bfc79a01740e75410593c5e11b7743bddf), every distinct token of it.
  const vectors = JSON.parse(fixture('messagebird-jwt-reference.json').toString()) as JwtVector[];
  const referenceSecret = vectors[0]!.secret!;
  for (const vector of vectors) {
    it(`${vector.valid ? 'accepts' : 'rejects'} "${vector.name}"`, async () => {
      const request: WebhookRequest = {
        method: vector.method,
        url: new URL(vector.url).pathname,
        publicUrl: vector.url,
        headers: { 'messagebird-signature-jwt': vector.token },
        rawBody: Buffer.from(vector.payload ?? ''),
        contentType: vector.payload ? 'text/plain' : null,
        receivedAt: Date.parse(vector.timestamp),
      };
      assert.equal((await verdict(request, channel({ signing_key: vector.secret ?? referenceSecret }))).ok, vector.valid);
    });
  }

  const mint = (claims: Record<string, unknown>, options: { secret?: string; alg?: string; issuer?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
      .setIssuer(options.issuer ?? 'MessageBird')
      .setNotBefore(nowSeconds)
      .setExpirationTime(nowSeconds + 60)
      .sign(new TextEncoder().encode(options.secret ?? key));
  const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
  const jwtRequest = (token: string, body = fixture('sms-inbound.json')): WebhookRequest => ({
    ...signed(body),
    headers: { 'content-type': 'application/json', 'messagebird-signature-jwt': token },
  });

  it('accepts a JWT minted for this URL and this body', async () => {
    const body = fixture('sms-inbound.json');
    assert.deepEqual(await verdict(jwtRequest(await mint({ jti: 'j1', url_hash: sha256(url), payload_hash: sha256(body) }))), { ok: true });
  });
  it('rejects a JWT without jti, from another issuer, or for another URL — and names the URL it checked', async () => {
    const body = fixture('sms-inbound.json');
    assert.equal((await verdict(jwtRequest(await mint({ url_hash: sha256(url), payload_hash: sha256(body) })))).ok, false);
    assert.equal(
      (await verdict(jwtRequest(await mint({ jti: 'j', url_hash: sha256(url), payload_hash: sha256(body) }, { issuer: 'Someone' })))).ok,
      false,
    );
    const otherUrl = await verdict(
      jwtRequest(await mint({ jti: 'j', url_hash: sha256('http://10.0.0.5/hooks/bd/events'), payload_hash: sha256(body) })),
    );
    assert.match(otherUrl.ok ? '' : otherUrl.reason, /url_hash.*checked against the URL https:\/\/sms\.example\.com/);
  });
  it('prefers messagebird-signature when both are present', async () => {
    const request = signed(fixture('sms-inbound.json'), { headers: { 'messagebird-signature-jwt': 'not-a-jwt' } });
    assert.deepEqual(await verdict(request), { ok: true });
  });
});

const parse = (body: Buffer | string, ch = channel(), contentType: string | null = 'application/json'): WebhookEvent =>
  adapter.parse({ ...signed(Buffer.isBuffer(body) ? body : Buffer.from(body)), contentType }, ch, 'events');

describe('bird adapter: parse', () => {
  it('reads the documented sms.inbound example, to the channel number (Bird names only the connector)', () => {
    assert.deepEqual(parse(fixture('sms-inbound.json')), {
      kind: 'inbound',
      message: {
        from: '+31612345678',
        to: '+31970102030',
        body: 'Sample incoming text message',
        mediaUrls: [],
        providerMessageId: '96a0b5fa-a986-453d-be5c-3117f989f025',
        providerTime: Date.parse('2022-12-22T08:32:50.736Z'),
      },
    });
  });
  it('takes the receiving number from the connector when Bird gives it', () => {
    const event = parse(fixture('sms-inbound-with-number.json'));
    assert.deepEqual(event.kind === 'inbound' && [event.message.from, event.message.to, event.message.body], [
      '+447123456789',
      '+447700900123',
      'Incoming message',
    ]);
  });
  it("reads an image message's text and media", () => {
    const event = parse(fixture('sms-inbound-image.json'));
    assert.deepEqual(event.kind === 'inbound' && [event.message.body, event.message.mediaUrls], [
      'Front door',
      ['https://media.api.bird.com/workspaces/ws/messages/7b1f/media/1'],
    ]);
  });
  it('reads outbound status updates, keeping the reason', () => {
    assert.deepEqual(parse(fixture('sms-outbound-delivered.json')), {
      kind: 'status',
      receipt: {
        providerMessageId: '5d1c2b3a-0000-4000-8000-000000000010',
        status: 'delivered',
        providerStatus: 'delivered',
        errorCode: null,
        providerTime: Date.parse('2026-11-20T15:04:09.000Z'),
      },
    });
    const failed = parse(fixture('sms-outbound-failed.json'));
    assert.deepEqual(failed.kind === 'status' && [failed.receipt.status, failed.receipt.errorCode], ['undelivered', 'Unknown subscriber']);
  });

  const statuses: Array<[string, string | null]> = [
    ['accepted', 'queued'],
    ['processing', 'sending'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['sending_failed', 'failed'],
    ['failed', 'failed'],
    ['delivery_failed', 'undelivered'],
    ['read', null],
    ['hasOwnProperty', null],
    ['', null],
  ];
  for (const [bird, parley] of statuses) {
    it(`maps ${JSON.stringify(bird)} to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = parse(JSON.stringify({ service: 'channels', event: 'sms.outbound', payload: { id: 'm1', status: bird, reason: '' } }));
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.deepEqual(event.kind === 'status' && [event.receipt.status, event.receipt.providerStatus, event.receipt.errorCode], [
        parley,
        bird,
        null,
      ]);
    });
  }
  it('ignores events of other channels and interactions', () => {
    for (const event of ['whatsapp.inbound', 'sms.interaction', 'email.outbound'])
      assert.equal(parse(JSON.stringify({ event, payload: { id: 'm1' } })).kind, 'ignored');
  });

  const bad: Array<[string, string, string, string?]> = [
    ['a message without an id', '{"event":"sms.inbound","payload":{}}', 'invalid_payload'],
    ['no event', '{"payload":{"id":"x"}}', 'invalid_payload'],
    ['an empty event', '{"event":"","payload":{"id":"x"}}', 'invalid_payload'],
    ['no payload', '{"event":"sms.inbound"}', 'invalid_payload'],
    ['an array', '[]', 'invalid_payload'],
    ['a numeric status', '{"event":"sms.outbound","payload":{"id":"x","status":3}}', 'invalid_payload'],
    [
      'images as an object',
      '{"event":"sms.inbound","payload":{"id":"x","body":{"type":"image","image":{"images":{"mediaUrl":"u"}}}}}',
      'invalid_payload',
    ],
    [
      'a sender that is not a number',
      '{"event":"sms.inbound","payload":{"id":"x","sender":{"contact":{"identifierValue":"nobody"}}}}',
      'invalid_phone_number',
    ],
    ['no sender', '{"event":"sms.inbound","payload":{"id":"x"}}', 'invalid_phone_number'],
    ['truncated JSON', '{"event":', 'invalid_json'],
    ['a form body', 'event=sms.inbound', 'unsupported_media_type', 'application/x-www-form-urlencoded'],
  ];
  for (const [name, body, code, contentType] of bad) {
    it(`refuses ${name} with ${code}`, () =>
      assert.throws(
        () => parse(body, channel(), contentType ?? 'application/json'),
        (e: unknown) => e instanceof ParleyError && e.code === code,
      ));
  }
});

describe('bird adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = {
    id: 'msg_01',
    from: '+31970102030',
    to: '+31612345678',
    body: 'Reply YES',
    mediaUrls: [],
    statusCallbackUrl: 'https://sms.example.com/hooks/bd/status?parley_id=msg_01',
  };

  it("posts to the channel with the access key, the receiver, a text body and Parley's id as reference", async () => {
    api.next = { status: 202, body: { id: '5d1c2b3a', status: 'accepted' } };
    assert.deepEqual(await adapter.send(message, channel({ api_url: api.url })), { providerMessageId: '5d1c2b3a', status: 'queued' });
    assert.deepEqual(
      { method: api.last().method, path: api.last().path, authorization: api.last().headers.authorization, body: api.lastJson() },
      {
        method: 'POST',
        path: '/workspaces/ws1/channels/ch1/messages',
        authorization: 'AccessKey access-key-01',
        body: {
          receiver: { contacts: [{ identifierKey: 'phonenumber', identifierValue: '+31612345678' }] },
          body: { type: 'text', text: { text: 'Reply YES' } },
          reference: 'msg_01',
        },
      },
    );
  });
  it('sends media as an image message with the text', async () => {
    api.next = { status: 202, body: { id: 'm2', status: 'accepted' } };
    await adapter.send(
      { ...message, mediaUrls: ['https://example.com/a.png', 'https://example.com/b.png'] },
      channel({ api_url: api.url }),
    );
    assert.deepEqual(api.lastJson().body, {
      type: 'image',
      image: { text: 'Reply YES', images: [{ mediaUrl: 'https://example.com/a.png' }, { mediaUrl: 'https://example.com/b.png' }] },
    });
  });

  const failures: Array<[string, Reply | 'closed', string, string | null]> = [
    ['a 422', { status: 422, body: { code: 'InvalidPayload', message: 'receiver is invalid' } }, 'rejected', 'InvalidPayload'],
    ['a 401', { status: 401, body: { code: 'Unauthorized', message: 'bad key' } }, 'rejected', 'Unauthorized'],
    ['a 404 without a body', { status: 404, body: '' }, 'rejected', '404'],
    ['a 429', { status: 429, body: {} }, 'throttled', '429'],
    ['a 500', { status: 500, body: {} }, 'provider_unavailable', '500'],
    ['a 202 without an id', { status: 202, body: {} }, 'invalid_response', null],
    ['a closed port', 'closed', 'connection', null],
    ['no answer before send_timeout', { status: 202, body: {}, hang: true }, 'connection', null],
  ];
  for (const [name, reply, kind, code] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      if (reply !== 'closed') api.next = reply;
      const ch = channel({ api_url: reply === 'closed' ? 'http://127.0.0.1:9' : api.url, send_timeout: 300 });
      await assert.rejects(adapter.send(message, ch), (e: unknown) => e instanceof SendError && e.kind === kind && e.providerCode === code);
    });
  }
});

describe("bird adapter: against the test kit's stand-in for the channels API", () => {
  const kitApi = new ApiStandIn((request) => kit.answerSend(request));
  before(() => kitApi.start());
  after(() => kitApi.stop());
  const kitChannel = () => birdChannelSchema.parse(kit.channel('bd', '+31970102030', kitApi.url, 'https://sms.example.com'));
  const message = { id: 'msg_02', from: '+31970102030', to: '+31612345678', body: 'Hi', mediaUrls: [], statusCallbackUrl: null };

  it("is accepted with the channel's access key", async () => assert.equal((await adapter.send(message, kitChannel())).status, 'queued'));
  it('is refused with another access key', async () => {
    await assert.rejects(
      adapter.send(message, { ...kitChannel(), access_key: 'wrong-access-key' }),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected' && e.providerCode === 'Unauthorized',
    );
  });
  it('is refused for an empty text', async () => {
    await assert.rejects(
      adapter.send({ ...message, body: '' }, kitChannel()),
      (e: unknown) => e instanceof SendError && e.kind === 'rejected' && e.providerCode === 'InvalidPayload',
    );
  });
  it("the kit's signed notifications pass the adapter's verify and parse", async () => {
    const ch = kitChannel();
    const inbound = kit.inbound(
      { from: '+31612345678', to: '+31970102030', body: 'YES', id: 'kit-in-1' },
      'https://sms.example.com/hooks/bd/events',
    );
    const request: WebhookRequest = {
      method: 'POST',
      url: '/hooks/bd/events',
      publicUrl: inbound.url,
      headers: inbound.headers,
      rawBody: Buffer.from(inbound.body),
      contentType: 'application/json',
      receivedAt: Date.now(),
    };
    assert.deepEqual(await adapter.verify(request, ch), { ok: true });
    const event = adapter.parse(request, ch, 'events');
    assert.deepEqual(event.kind === 'inbound' && [event.message.from, event.message.to, event.message.body], [
      '+31612345678',
      '+31970102030',
      'YES',
    ]);
  });
});

describe('bird channel config', () => {
  const base = { name: 'bd', provider: 'bird', numbers: ['+31970102030'], access_key: 'access-key-01', signing_key: key };
  it('takes UUIDs for the workspace and the channel', () => {
    assert.equal(
      birdChannelSchema.safeParse({
        ...base,
        workspace_id: 'a1405560-c8d3-4b1a-877d-3f449ad95352',
        channel_id: '614208aa-b153-4d5d-9989-2fddfc0ce4c3',
      }).success,
      true,
    );
  });
  it('refuses ids that would change the API path', () => {
    assert.equal(birdChannelSchema.safeParse({ ...base, workspace_id: '../admin', channel_id: 'c' }).success, false);
    assert.equal(birdChannelSchema.safeParse({ ...base, workspace_id: 'w', channel_id: 'c/messages?x=' }).success, false);
  });
});
