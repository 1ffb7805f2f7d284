import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { SignJWT } from 'jose';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookRequest } from '../contract.js';
import { httpsmsAdapter as adapter } from './adapter.js';
import type { HttpsmsChannelConfig } from './config.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const key = 'httpsms-signing-key-01';
const url = 'https://sms.example.com/hooks/hs/events';
const now = Date.parse('2026-11-20T15:04:10Z');

function channel(extra: Partial<HttpsmsChannelConfig> = {}): HttpsmsChannelConfig {
  return { name: 'hs', provider: 'httpsms', numbers: ['+18005550199'], api_key: 'api-key-0123', signing_key: key, verify: 'enforce', send_timeout: 2_000, ...extra };
}

// The token as httpSMS issues it: HS256, iss api.httpsms.com, aud the webhook URL, ±10 minutes.
async function token(options: { key?: string; aud?: string; iss?: string; at?: number } = {}): Promise<string> {
  const at = Math.floor((options.at ?? now) / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.iss ?? 'api.httpsms.com')
    .setAudience([options.aud ?? url])
    .setSubject('XtABz6zdeFMoBLoltz6SREDvRSh2')
    .setIssuedAt(at)
    .setNotBefore(at - 600)
    .setExpirationTime(at + 600)
    .sign(new TextEncoder().encode(options.key ?? key));
}

function request(body: Buffer, jwt: string | null): WebhookRequest {
  return { method: 'POST', url: '/hooks/hs/events', publicUrl: url, headers: jwt === null ? {} : { authorization: `Bearer ${jwt}`, 'x-event-type': 'message.phone.received' }, rawBody: body, contentType: 'application/json', receivedAt: now };
}

describe('httpsms adapter: verify', () => {
  const body = fixture('message-phone-received.json');
  const cases: Array<[string, () => Promise<WebhookRequest>, boolean]> = [
    ['a token for this URL', async () => request(body, await token()), true],
    ['a token for another URL', async () => request(body, await token({ aud: 'https://elsewhere.example/hook' })), false],
    ['a token from another issuer', async () => request(body, await token({ iss: 'example.com' })), false],
    ['a token made with another key', async () => request(body, await token({ key: 'another-key-entirely' })), false],
    ['an expired token', async () => request(body, await token({ at: now - 3_600_000 })), false],
    ['no token', async () => request(body, null), false],
  ];
  for (const [name, make, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, async () => assert.equal((await adapter.verify(await make(), channel())).ok, ok));
  }
});

describe('httpsms adapter: parse', () => {
  const parse = (body: Buffer) => adapter.parse(request(body, null), channel(), 'events');
  it('reads the documented received event', () => {
    assert.deepEqual(parse(fixture('message-phone-received.json')), {
      kind: 'inbound',
      message: { from: '+18005550100', to: '+18005550199', body: 'This is a test incoming message', mediaUrls: [], providerMessageId: '0b0123bb-ef2e-468f-908a-c026d51636aa', providerTime: Date.parse('2023-06-29T03:21:19.814Z') },
    });
  });
  it('reads delivered and failed receipts, deduplicated by the event id', () => {
    const delivered = parse(fixture('message-phone-delivered.json'));
    assert.deepEqual(delivered.kind === 'status' && [delivered.receipt.providerMessageId, delivered.receipt.status, delivered.receipt.notificationId], [
      '32343a19-da5e-4b1b-a767-3298a73703cb',
      'delivered',
      'a1b2c3d4-0000-4000-8000-000000000001',
    ]);
    const failed = parse(fixture('message-send-failed.json'));
    assert.deepEqual(failed.kind === 'status' && [failed.receipt.status, failed.receipt.errorCode], ['failed', 'RESULT_ERROR_NO_SERVICE']);
  });
  const types: Array<[string, string | null]> = [
    ['message.phone.sent', 'sent'],
    ['message.phone.delivered', 'delivered'],
    ['message.send.failed', 'failed'],
    ['message.send.expired', 'undelivered'],
    ['phone.heartbeat.offline', null],
  ];
  for (const [type, parley] of types) {
    it(`maps ${type} to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = parse(Buffer.from(JSON.stringify({ id: 'e1', type, data: { id: 'm1' } })));
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind === 'status' && event.receipt.status, parley);
    });
  }
  it('refuses a receipt without data.id', () => {
    assert.throws(() => parse(Buffer.from('{"id":"e1","type":"message.phone.delivered","data":{}}')), (e: unknown) => e instanceof ParleyError && e.code === 'invalid_payload');
  });
});

describe('httpsms adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = { id: 'msg_01', from: '+18005550199', to: '+15551234567', body: 'Reply YES', mediaUrls: [], statusCallbackUrl: null };
  it('sends with the API key and Parley\'s id as request_id, reading data.id', async () => {
    api.next = { status: 200, body: { status: 'success', message: 'message added to queue', data: { id: '32343a19', request_id: 'msg_01', status: 'pending' } } };
    assert.deepEqual(await adapter.send(message, channel({ api_url: api.url })), { providerMessageId: '32343a19', status: 'queued' });
    assert.deepEqual({ path: api.last().path, apiKey: api.last().headers['x-api-key'], body: api.lastJson() }, { path: '/v1/messages/send', apiKey: 'api-key-0123', body: { from: message.from, to: message.to, content: message.body, request_id: 'msg_01' } });
  });
  const failures: Array<[string, { status: number; body: unknown }, string]> = [
    ['a 422', { status: 422, body: { status: 'error', message: 'validation errors' } }, 'rejected'],
    ['a 401', { status: 401, body: { status: 'error', message: 'unauthorized' } }, 'rejected'],
    ['a 500', { status: 500, body: {} }, 'provider_unavailable'],
    ['a 200 without data.id', { status: 200, body: { status: 'success', data: {} } }, 'invalid_response'],
  ];
  for (const [name, reply, kind] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      api.next = reply;
      await assert.rejects(adapter.send(message, channel({ api_url: api.url })), (e: unknown) => e instanceof SendError && e.kind === kind);
    });
  }
});
