import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookRequest } from '../contract.js';
import { genericAdapter } from './adapter.js';
import type { GenericChannelConfig } from './config.js';

const secret = 'generic-test-secret-0123456789';
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url)).subarray(0, -1); // without the final newline
// Computed here independently of the adapter's own helper.
const sign = (body: Buffer | string) => createHmac('sha256', secret).update(body).digest('hex');

function webhook(
  body: Buffer | string,
  headers: Record<string, string> = {},
  contentType: string | null = 'application/json',
): WebhookRequest {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return {
    method: 'POST',
    url: '/hooks/main/inbound',
    publicUrl: 'http://127.0.0.1:3000/hooks/main/inbound',
    headers: { 'x-signature': sign(raw), ...headers },
    rawBody: raw,
    contentType,
    receivedAt: Date.now(),
  };
}

const channel = (sendUrl = 'http://127.0.0.1:9/send', timeout = 200): GenericChannelConfig => ({
  name: 'main',
  provider: 'generic',
  numbers: ['+18005550100'],
  secret,
  send_url: sendUrl,
  send_timeout: timeout,
  verify: 'enforce',
});

describe('generic adapter: verify', () => {
  const body = fixture('inbound.json');
  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['a correct signature', webhook(body), true],
    ['uppercase hex', webhook(body, { 'x-signature': sign(body).toUpperCase() }), true],
    ['surrounding whitespace', webhook(body, { 'x-signature': ` ${sign(body)} ` }), true],
    ['no header', { ...webhook(body), headers: {} }, false],
    ['a wrong signature', webhook(body, { 'x-signature': sign('other') }), false],
    ['one byte tampered', { ...webhook(body), rawBody: Buffer.from(body.toString().replace('Yes', 'yes')) }, false],
    ['a truncated signature', webhook(body, { 'x-signature': sign(body).slice(0, 63) }), false],
    ['base64 instead of hex', webhook(body, { 'x-signature': createHmac('sha256', secret).update(body).digest('base64') }), false],
    [
      'a signature with another key',
      webhook(body, { 'x-signature': createHmac('sha256', 'another-secret-entirely').update(body).digest('hex') }),
      false,
    ],
  ];
  for (const [name, request, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, async () => assert.equal((await genericAdapter.verify(request, channel())).ok, ok));
  }
});

const inbound = (request: WebhookRequest, ch: GenericChannelConfig) => {
  const event = genericAdapter.parse(request, ch, 'inbound');
  assert.equal(event.kind, 'inbound');
  return event.kind === 'inbound' ? event.message : assert.fail();
};
const receipt = (request: WebhookRequest, ch: GenericChannelConfig) => {
  const event = genericAdapter.parse(request, ch, 'status');
  return event.kind === 'status' ? event.receipt : assert.fail(`expected a receipt, got ${event.kind}`);
};

describe('generic adapter: parse', () => {
  it('reads an inbound message', () => {
    assert.deepEqual(inbound(webhook(fixture('inbound.json')), channel()), {
      from: '+15551234567',
      to: '+18005550100',
      body: 'Yes, see you Wednesday',
      mediaUrls: [],
      providerMessageId: 'gw-inb-7f3a9c',
      providerTime: Date.parse('2026-11-20T15:04:05Z'),
    });
  });

  it('reads a picture message, numbers without "+", Unix seconds', () => {
    const message = inbound(webhook(fixture('inbound-mms.json')), channel());
    assert.equal(message.from, '+15551234567');
    assert.equal(message.body, '');
    assert.deepEqual(message.mediaUrls, ['https://media.example.com/a/1.jpg', 'https://media.example.com/a/2.png']);
    assert.equal(message.providerTime, 1795388645 * 1000);
  });

  it('reads delivery receipts, keeping the provider error code as text', () => {
    assert.deepEqual(receipt(webhook(fixture('status-delivered.json')), channel()), {
      providerMessageId: 'gw-out-51b2',
      status: 'delivered',
      providerStatus: 'delivered',
      errorCode: null,
      providerTime: Date.parse('2026-11-20T15:04:09.120Z'),
    });
    const failed = receipt(webhook(fixture('status-failed.json')), channel());
    assert.equal(failed.status, 'failed');
    assert.equal(failed.errorCode, '30007');
    assert.equal(failed.providerTime, 1795388649120);
  });

  const good = JSON.parse(fixture('inbound.json').toString()) as Record<string, unknown>;
  const bad: Array<[string, WebhookRequest, string]> = [
    ['form content type', webhook(fixture('inbound.json'), {}, 'application/x-www-form-urlencoded'), 'unsupported_media_type'],
    ['no content type', webhook(fixture('inbound.json'), {}, null), 'unsupported_media_type'],
    ['truncated JSON', webhook('{"from":"+1555'), 'invalid_json'],
    ['an array', webhook('[]'), 'invalid_payload'],
    ['a missing field', webhook(JSON.stringify({ ...good, from: undefined })), 'invalid_payload'],
    ['a number for a string', webhook(JSON.stringify({ ...good, body: 5 })), 'invalid_payload'],
    ['an unreadable number', webhook(JSON.stringify({ ...good, to: 'front desk' })), 'invalid_phone_number'],
    ['a non-http media url', webhook(JSON.stringify({ ...good, media_urls: ['file:///etc/passwd'] })), 'invalid_payload'],
  ];
  for (const [name, request, code] of bad) {
    it(`refuses ${name} with ${code}`, () => {
      assert.throws(
        () => inbound(request, channel()),
        (e: unknown) => e instanceof ParleyError && e.code === code,
      );
    });
  }
  it('reads a receipt saying the gateway blocks a recipient who opted out with it', () => {
    const blocked = receipt(
      webhook(JSON.stringify({ message_id: 'gw-1', status: 'failed', error_code: 'opted_out', recipient_opted_out: true })),
      channel(),
    );
    assert.equal(blocked.recipientOptedOut, true);
    const plain = receipt(webhook(JSON.stringify({ message_id: 'gw-1', status: 'failed', recipient_opted_out: false })), channel());
    assert.equal(plain.recipientOptedOut, undefined);
  });
  it("refuses a status outside Parley's set", () => {
    assert.throws(
      () => receipt(webhook(JSON.stringify({ message_id: 'x', status: 'read' })), channel()),
      (e: unknown) => e instanceof ParleyError && e.code === 'invalid_payload' && /status/.test(e.message),
    );
  });
});

describe('generic adapter: send', () => {
  type Reply = { status: number; body?: string; hang?: boolean };
  let next: Reply = { status: 200 };
  const received: Array<{ contentType: string | undefined; body: unknown }> = [];
  let url = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString()) });
      if (next.hang) return;
      res.writeHead(next.status, { 'content-type': 'application/json' });
      res.end(next.body ?? '');
    });
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const message = {
    id: 'msg_01',
    from: '+18005550100',
    to: '+15551234567',
    body: 'Your appointment is Wednesday at 3 PM.',
    mediaUrls: [],
    statusCallbackUrl: null,
  };
  const posted = { id: message.id, from: message.from, to: message.to, body: message.body };

  it('posts id, from, to and body as JSON and reads the provider id', async () => {
    next = { status: 200, body: '{"message_id":"abc"}' };
    assert.deepEqual(await genericAdapter.send(message, channel(url)), { providerMessageId: 'abc', status: 'sent' });
    assert.deepEqual(received.at(-1), { contentType: 'application/json', body: posted });
  });

  it('passes media and the per-message status URL when there are some', async () => {
    next = { status: 200, body: '{"message_id":"abc"}' };
    const statusUrl = 'https://sms.example.com/hooks/main/status?parley_id=msg_01';
    await genericAdapter.send({ ...message, mediaUrls: ['https://example.com/a.png'], statusCallbackUrl: statusUrl }, channel(url));
    assert.deepEqual(received.at(-1)?.body, { ...posted, media_urls: ['https://example.com/a.png'], status_url: statusUrl });
  });

  it('takes a numeric id and an initial status', async () => {
    next = { status: 201, body: '{"message_id":42,"status":"queued"}' };
    assert.deepEqual(await genericAdapter.send(message, channel(url)), { providerMessageId: '42', status: 'queued' });
  });

  it("reads every part's id when the gateway reports parts on their own", async () => {
    next = { status: 200, body: '{"message_id":"p1","part_ids":["p1","p2"]}' };
    assert.deepEqual(await genericAdapter.send(message, channel(url)), { providerMessageId: 'p1', status: 'sent', partIds: ['p1', 'p2'] });
    next = { status: 200, body: '{"message_id":"p1","part_ids":["p1"]}' };
    assert.deepEqual(await genericAdapter.send(message, channel(url)), { providerMessageId: 'p1', status: 'sent' });
  });

  const failures: Array<[string, Reply | 'closed', string, boolean]> = [
    ['a 2xx without an id', { status: 200, body: '{"ok":true}' }, 'invalid_response', false],
    [
      'part_ids that do not start with message_id',
      { status: 200, body: '{"message_id":"p1","part_ids":["p2","p1"]}' },
      'invalid_response',
      false,
    ],
    ['a 2xx that is not JSON', { status: 200, body: 'OK' }, 'invalid_response', false],
    ['429', { status: 429 }, 'throttled', true],
    ['503', { status: 503 }, 'provider_unavailable', true],
    ['400', { status: 400, body: '{"error":"bad number"}' }, 'rejected', false],
    ['a closed port', 'closed', 'connection', true],
    ['a provider that never answers', { status: 200, hang: true }, 'connection', true],
  ];
  for (const [name, reply, kind, retryable] of failures) {
    it(`classifies ${name} as ${kind}${retryable ? ' (retryable)' : ''}`, async () => {
      if (reply !== 'closed') next = reply;
      const target = reply === 'closed' ? 'http://127.0.0.1:9/send' : url;
      await assert.rejects(
        genericAdapter.send(message, channel(target, 200)),
        (e: unknown) => e instanceof SendError && e.kind === kind && e.retryable === retryable,
      );
    });
  }
});

describe('generic adapter: one URL for everything', () => {
  it('reads a message and a receipt posted to the events URL by their shape', () => {
    const message = genericAdapter.parse(webhook(fixture('inbound.json')), channel(), 'events');
    assert.equal(message.kind, 'inbound');
    const status = genericAdapter.parse(webhook(fixture('status-delivered.json')), channel(), 'events');
    assert.equal(status.kind, 'status');
  });
});
