import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookRequest } from '../contract.js';
import { textbeeAdapter as adapter } from './adapter.js';
import type { TextbeeChannelConfig } from './config.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const secret = 'textbee-signing-secret-0123';

function channel(extra: Partial<TextbeeChannelConfig> = {}): TextbeeChannelConfig {
  return { name: 'tb', provider: 'textbee', numbers: ['+18005550100'], api_key: 'api-key-0123', signing_secret: secret, verify: 'enforce', send_timeout: 2_000, ...extra };
}

function signed(body: Buffer, signature = createHmac('sha256', secret).update(body).digest('hex')): WebhookRequest {
  return { method: 'POST', url: '/hooks/tb/events', publicUrl: 'https://sms.example.com/hooks/tb/events', headers: { 'x-signature': signature }, rawBody: body, contentType: 'application/json', receivedAt: Date.now() };
}

describe('textbee adapter: verify', () => {
  const body = fixture('message-received.json');
  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['a correct signature', signed(body), true],
    ['another secret', signed(body, createHmac('sha256', 'another-secret-of-20-chars').update(body).digest('hex')), false],
    ['a changed body', { ...signed(body), rawBody: Buffer.from(body.toString().replace('Yes', 'No!')) }, false],
    ['no signature', { ...signed(body), headers: {} }, false],
  ];
  for (const [name, req, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, () => assert.equal((adapter.verify(req, channel()) as { ok: boolean }).ok, ok));
  }
});

describe('textbee adapter: parse', () => {
  it('reads a received message, to the channel number', () => {
    assert.deepEqual(adapter.parse(signed(fixture('message-received.json')), channel(), 'events'), {
      kind: 'inbound',
      message: { from: '+15551234567', to: '+18005550100', body: 'Yes, see you then', mediaUrls: [], providerMessageId: '6650f1a2b3c4d5e6f7a8b9c0', providerTime: Date.parse('2026-11-20T15:04:05.000Z') },
    });
  });
  it('reads delivered and failed under the batch id, deduplicated by the idempotency key', () => {
    assert.deepEqual(adapter.parse(signed(fixture('message-delivered.json')), channel(), 'events'), {
      kind: 'status',
      receipt: {
        providerMessageId: '6650f1a2b3c4d5e6f7a8b9ff',
        status: 'delivered',
        providerStatus: 'MESSAGE_DELIVERED',
        errorCode: null,
        providerTime: Date.parse('2026-11-20T15:04:09.000Z'),
        notificationId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      },
    });
    const failed = adapter.parse(signed(fixture('message-failed.json')), channel(), 'events');
    assert.deepEqual(failed.kind === 'status' && [failed.receipt.status, failed.receipt.errorCode], ['failed', 'RESULT_ERROR_NO_SERVICE']);
  });
  it('ignores UNKNOWN_STATE and status updates it cannot map', () => {
    for (const webhookEvent of ['UNKNOWN_STATE', 'SMS_STATUS_UPDATED']) {
      assert.equal(adapter.parse(signed(Buffer.from(JSON.stringify({ webhookEvent, smsId: 's1', idempotencyKey: 'k1' }))), channel(), 'events').kind, 'ignored');
    }
  });
  it('refuses a notification without an smsId', () => {
    assert.throws(() => adapter.parse(signed(Buffer.from('{"webhookEvent":"MESSAGE_RECEIVED","idempotencyKey":"k"}')), channel(), 'events'), (e: unknown) => e instanceof ParleyError && e.code === 'invalid_payload');
  });
});

describe('textbee adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = { id: 'msg_01', from: '+18005550100', to: '+15551234567', body: 'Reply YES', mediaUrls: [], statusCallbackUrl: null };
  it('sends with the API key and reads the batch id', async () => {
    api.next = { status: 201, body: { data: { success: true, message: 'SMS added to queue for processing', smsBatchId: '6650f1a2b3c4d5e6f7a8b9ff', recipientCount: 1 } } };
    assert.deepEqual(await adapter.send(message, channel({ api_url: api.url, device_id: 'dev1' })), { providerMessageId: '6650f1a2b3c4d5e6f7a8b9ff', status: 'queued' });
    assert.deepEqual({ path: api.last().path, apiKey: api.last().headers['x-api-key'], body: api.lastJson() }, {
      path: '/api/v1/gateway/send-sms',
      apiKey: 'api-key-0123',
      body: { recipients: ['+15551234567'], message: 'Reply YES', deviceId: 'dev1' },
    });
  });
  const failures: Array<[string, Reply, string]> = [
    ['a 400 (a malformed device id)', { status: 400, body: { error: 'Invalid device id' } }, 'rejected'],
    ['a 401', { status: 401, body: { message: 'Unauthorized' } }, 'rejected'],
    ['a 500', { status: 500, body: {} }, 'provider_unavailable'],
    ['a 201 without smsBatchId', { status: 201, body: { data: { successCount: 1 } } }, 'invalid_response'],
  ];
  for (const [name, reply, kind] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      api.next = reply;
      await assert.rejects(adapter.send(message, channel({ api_url: api.url })), (e: unknown) => e instanceof SendError && e.kind === kind);
    });
  }
});
