import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ApiStandIn, type StandInReply as Reply } from '../../../test/helpers/api-stand-in.js';
import { ParleyError } from '../../errors.js';
import { SendError, type WebhookRequest } from '../contract.js';
import { birdAdapter as adapter } from './adapter.js';
import type { BirdChannelConfig } from './config.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const key = 'bird-signing-key-01';
const url = 'https://sms.example.com/hooks/bd/events';
const now = Date.parse('2026-11-20T15:04:10Z');

function channel(extra: Partial<BirdChannelConfig> = {}): BirdChannelConfig {
  return { name: 'bd', provider: 'bird', numbers: ['+31970102030'], access_key: 'access-key-01', workspace_id: 'ws1', channel_id: 'ch1', signing_key: key, verify: 'enforce', send_timeout: 2_000, ...extra };
}

function signed(body: Buffer, options: { url?: string; signedUrl?: string; timestamp?: number; key?: string } = {}): WebhookRequest {
  const timestamp = String(options.timestamp ?? Math.floor(now / 1000));
  // As docs.bird.com builds it: timestamp, newline, URL, newline, then the raw SHA-256 of the body.
  const signature = createHmac('sha256', options.key ?? key)
    .update(Buffer.concat([Buffer.from(`${timestamp}\n${options.signedUrl ?? url}\n`), createHash('sha256').update(body).digest()]))
    .digest('base64');
  return { method: 'POST', url: '/hooks/bd/events', publicUrl: options.url ?? url, headers: { 'messagebird-signature': signature, 'messagebird-request-timestamp': timestamp }, rawBody: body, contentType: 'application/json', receivedAt: now };
}

describe('bird adapter: verify', () => {
  const body = fixture('sms-inbound.json');
  const cases: Array<[string, WebhookRequest, boolean]> = [
    ['a correct signature', signed(body), true],
    ['a signature for another URL', signed(body, { signedUrl: 'http://internal:3000/hooks/bd/events' }), false],
    ['another key', signed(body, { key: 'another-signing-key' }), false],
    ['a changed body', { ...signed(body), rawBody: Buffer.from(body.toString().replace('Sample', 'Simple')) }, false],
    ['a stale timestamp', signed(body, { timestamp: Math.floor(now / 1000) - 3600 }), false],
  ];
  for (const [name, req, ok] of cases) {
    it(`${ok ? 'accepts' : 'rejects'} ${name}`, () => assert.equal((adapter.verify(req, channel()) as { ok: boolean }).ok, ok));
  }
});

describe('bird adapter: parse', () => {
  it('reads the documented inbound message, to the channel number', () => {
    assert.deepEqual(adapter.parse(signed(fixture('sms-inbound.json')), channel(), 'events'), {
      kind: 'inbound',
      message: { from: '+31612345678', to: '+31970102030', body: 'Sample incoming text message', mediaUrls: [], providerMessageId: '96a0b5fa-8d3c-4e0b-9f2a-1a2b3c4d5e6f', providerTime: Date.parse('2022-12-22T08:32:50.736Z') },
    });
  });
  it('reads outbound status updates', () => {
    const delivered = adapter.parse(signed(fixture('sms-outbound-delivered.json')), channel(), 'events');
    assert.deepEqual(delivered.kind === 'status' && [delivered.receipt.providerMessageId, delivered.receipt.status], ['5d1c2b3a-0000-4000-8000-000000000010', 'delivered']);
    const failed = adapter.parse(signed(fixture('sms-outbound-failed.json')), channel(), 'events');
    assert.deepEqual(failed.kind === 'status' && [failed.receipt.status, failed.receipt.errorCode], ['undelivered', 'Unknown subscriber']);
  });
  const statuses: Array<[string, string | null]> = [
    ['accepted', 'queued'],
    ['processing', 'sending'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['sending_failed', 'failed'],
    ['delivery_failed', 'undelivered'],
    ['read', null],
  ];
  for (const [bird, parley] of statuses) {
    it(`maps ${bird} to ${parley ?? 'nothing (ignored)'}`, () => {
      const event = adapter.parse(signed(Buffer.from(JSON.stringify({ event: 'sms.outbound', payload: { id: 'm1', status: bird } }))), channel(), 'events');
      if (parley === null) return assert.equal(event.kind, 'ignored');
      assert.equal(event.kind === 'status' && event.receipt.status, parley);
    });
  }
  it('refuses a message without an id, or from no number', () => {
    assert.throws(() => adapter.parse(signed(Buffer.from('{"event":"sms.inbound","payload":{}}')), channel(), 'events'), (e: unknown) => e instanceof ParleyError && e.code === 'invalid_payload');
    assert.throws(
      () => adapter.parse(signed(Buffer.from('{"event":"sms.inbound","payload":{"id":"x","sender":{"contact":{"identifierValue":"nobody"}}}}')), channel(), 'events'),
      (e: unknown) => e instanceof ParleyError && e.code === 'invalid_phone_number',
    );
  });
});

describe('bird adapter: send', () => {
  const api = new ApiStandIn();
  before(() => api.start());
  after(() => api.stop());
  const message = { id: 'msg_01', from: '+31970102030', to: '+31612345678', body: 'Reply YES', mediaUrls: [], statusCallbackUrl: null };
  it('posts to the channel with the access key and Parley\'s id as reference', async () => {
    api.next = { status: 202, body: { id: '5d1c2b3a', status: 'accepted' } };
    assert.deepEqual(await adapter.send(message, channel({ api_url: api.url })), { providerMessageId: '5d1c2b3a', status: 'queued' });
    assert.deepEqual({ path: api.last().path, authorization: api.last().headers.authorization, body: api.lastJson() }, {
      path: '/workspaces/ws1/channels/ch1/messages',
      authorization: 'AccessKey access-key-01',
      body: { receiver: { contacts: [{ identifierKey: 'phonenumber', identifierValue: '+31612345678' }] }, body: { type: 'text', text: { text: 'Reply YES' } }, reference: 'msg_01' },
    });
  });
  const failures: Array<[string, { status: number; body: unknown }, string]> = [
    ['a 422', { status: 422, body: { code: 'InvalidPayload', message: 'receiver is invalid' } }, 'rejected'],
    ['a 429', { status: 429, body: {} }, 'throttled'],
    ['a 500', { status: 500, body: {} }, 'provider_unavailable'],
    ['a 202 without an id', { status: 202, body: {} }, 'invalid_response'],
  ];
  for (const [name, reply, kind] of failures) {
    it(`classifies ${name} as ${kind}`, async () => {
      api.next = reply;
      await assert.rejects(adapter.send(message, channel({ api_url: api.url })), (e: unknown) => e instanceof SendError && e.kind === kind);
    });
  }
});
