import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookRequest } from '../contract.js';
import { sinchAdapter } from './adapter.js';
import type { SinchChannelConfig } from './config.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const secret = 'sinch-callback-secret-01';
const now = Date.parse('2026-11-20T15:04:10Z');

function channel(extra: Partial<SinchChannelConfig> = {}): SinchChannelConfig {
  return { name: 'si', provider: 'sinch', numbers: ['+13185551234'], service_plan_id: 'plan1', api_token: 'token-0123456789', region: 'us', callback_secret: secret, verify: 'enforce', send_timeout: 2_000, ...extra };
}

function signed(body: Buffer, options: { nonce?: string; timestamp?: number; key?: string; drop?: string } = {}): WebhookRequest {
  const nonce = options.nonce ?? '01FJA8B4A7BM43YGWSG9GBV067';
  const timestamp = String(options.timestamp ?? Math.floor(now / 1000));
  // Computed here independently: base64 HMAC-SHA256 over `${body}.${nonce}.${timestamp}`.
  const signature = createHmac('sha256', options.key ?? secret).update(`${body.toString('utf8')}.${nonce}.${timestamp}`).digest('base64');
  const headers: Record<string, string> = {
    'x-sinch-webhook-signature': signature,
    'x-sinch-webhook-signature-nonce': nonce,
    'x-sinch-webhook-signature-timestamp': timestamp,
    'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
  };
  if (options.drop) delete headers[options.drop];
  return { method: 'POST', url: '/hooks/si/events', publicUrl: 'https://sms.example.com/hooks/si/events', headers, rawBody: body, contentType: 'application/json', receivedAt: now };
}

describe('sinch adapter: verify', () => {
  const body = fixture('mo-text.json');
  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['a correct signature', signed(body), true],
    ['another secret', signed(body, { key: 'another-secret-entirely' }), false],
    ['a changed body', { ...signed(body), rawBody: Buffer.from(body.toString().replace('SMS body', 'SMS bodx')) }, false],
    ['a stale timestamp', signed(body, { timestamp: Math.floor(now / 1000) - 3600 }), false],
    ['no nonce header', signed(body, { drop: 'x-sinch-webhook-signature-nonce' }), false],
    ['no signature header', signed(body, { drop: 'x-sinch-webhook-signature' }), false],
  ];
  for (const [name, req, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, () => assert.equal((sinchAdapter.verify(req, channel()) as { ok: boolean }).ok, ok));
  }
});

describe('sinch adapter: parse', () => {
  it('reads the SDK mo_text example', () => {
    assert.deepEqual(sinchAdapter.parse(signed(fixture('mo-text.json')), channel(), 'events'), {
      kind: 'inbound',
      message: { from: '+16051234567', to: '+13185551234', body: 'This is the SMS body', mediaUrls: [], providerMessageId: '01XXXXX21XXXXX119Z8P1XXXXX', providerTime: Date.parse('2024-01-10T08:49:58.429Z') },
    });
  });
  it('reads per-recipient delivery reports under the batch id', () => {
    assert.deepEqual(sinchAdapter.parse(signed(fixture('recipient-report-delivered.json')), channel(), 'events'), {
      kind: 'status',
      receipt: { providerMessageId: '01FC66621XXXXX119Z8PMV1QPQ', status: 'delivered', providerStatus: 'Delivered', errorCode: null, providerTime: Date.parse('2026-11-20T15:04:09.120Z') },
    });
    const failed = sinchAdapter.parse(signed(fixture('recipient-report-failed.json')), channel(), 'events');
    assert.deepEqual(failed.kind === 'status' && [failed.receipt.status, failed.receipt.errorCode], ['failed', '402']);
  });
  const statuses: Array<[string, string | null]> = [
    ['Queued', 'queued'],
    ['Dispatched', 'sent'],
    ['Delivered', 'delivered'],
    ['Failed', 'failed'],
    ['Rejected', 'failed'],
    ['Aborted', 'failed'],
    ['Cancelled', 'failed'],
    ['Deleted', 'failed'],
    ['Expired', 'undelivered'],
    ['Unknown', null],
  ];
  for (const [sinch, parley] of statuses) {
    it(`maps ${sinch} to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = sinchAdapter.parse(signed(Buffer.from(JSON.stringify({ type: 'recipient_delivery_report_sms', batch_id: 'b1', status: sinch, code: 0 }))), channel(), 'events');
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind === 'status' && event.receipt.status, parley);
    });
  }
  it('ignores batch summaries and binary messages', () => {
    for (const type of ['delivery_report_sms', 'mo_binary']) assert.equal(sinchAdapter.parse(signed(Buffer.from(JSON.stringify({ type }))), channel(), 'events').kind, 'ignored');
  });
  const bad: Array<[string, string, string]> = [
    ['a message without an id', '{"type":"mo_text","from":"16051234567","to":"13185551234","body":"x"}', 'invalid_payload'],
    ['an unreadable sender', '{"type":"mo_text","id":"1","from":"nobody","to":"13185551234","body":"x"}', 'invalid_phone_number'],
    ['no type', '{"id":"1"}', 'invalid_payload'],
    ['not JSON', 'type=mo_text', 'invalid_json'],
  ];
  for (const [name, body, code] of bad) {
    it(`refuses ${name} with ${code}`, () => assert.throws(() => sinchAdapter.parse(signed(Buffer.from(body)), channel(), 'events'), (e: unknown) => e instanceof ParleyError && e.code === code));
  }
});

describe('sinch adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = { id: 'msg_01', from: '+13185551234', to: '+16051234567', body: 'Reply YES', mediaUrls: [], statusCallbackUrl: 'https://sms.example.com/hooks/si/status?parley_id=msg_01' };

  it('creates a batch of one with per-recipient reports and reads its id', async () => {
    api.next = { status: 201, body: { id: '01FC66621XXXXX119Z8PMV1QPQ', to: ['16051234567'], from: '13185551234', body: 'Reply YES' } };
    assert.deepEqual(await sinchAdapter.send(message, channel({ api_url: api.url })), { providerMessageId: '01FC66621XXXXX119Z8PMV1QPQ', status: 'queued' });
    assert.deepEqual({ path: api.last().path, authorization: api.last().headers.authorization, body: api.lastJson() }, {
      path: '/xms/v1/plan1/batches',
      authorization: 'Bearer token-0123456789',
      body: { from: message.from, to: [message.to], body: message.body, delivery_report: 'per_recipient', client_reference: 'msg_01', callback_url: message.statusCallbackUrl },
    });
  });
  const failures: Array<[string, Reply, string]> = [
    ['a 400 syntax error', { status: 400, body: { code: 'syntax_invalid_parameter_format', text: 'Parameter to is invalid' } }, 'rejected'],
    ['a 403', { status: 403, body: { code: 'unauthorized', text: 'no' } }, 'rejected'],
    ['a 429', { status: 429, body: {} }, 'throttled'],
    ['a 503', { status: 503, body: {} }, 'provider_unavailable'],
    ['a 201 without an id', { status: 201, body: {} }, 'invalid_response'],
  ];
  for (const [name, reply, kind] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      api.next = reply;
      await assert.rejects(sinchAdapter.send(message, channel({ api_url: api.url })), (e: unknown) => e instanceof SendError && e.kind === kind);
    });
  }
});
