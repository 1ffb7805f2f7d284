import { readFileSync } from 'node:fs';
import type { VerifyResult, WebhookRequest } from '../contract.js';
import { vonageAdapter } from './adapter.js';
import type { VonageChannelConfig } from './config.js';

// The channel and the webhook requests the Vonage tests share (adapter.test.ts, verify.test.ts).

export const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
export const secret = 'my_secret_key_for_testing';
export type Method = VonageChannelConfig['signature_method'];

export function channel(extra: Partial<VonageChannelConfig> = {}): VonageChannelConfig {
  return {
    name: 'vg',
    provider: 'vonage',
    numbers: ['+16105553939'],
    api_key: 'a1234567',
    api_secret: 'api-secret-1',
    signature_secret: secret,
    signature_method: 'md5hash',
    verify: 'enforce',
    send_timeout: 2_000,
    ...extra,
  };
}

export function request(overrides: Partial<WebhookRequest>): WebhookRequest {
  return {
    method: 'POST',
    url: '/hooks/vg/inbound',
    publicUrl: 'https://sms.example.com/hooks/vg/inbound',
    headers: {},
    rawBody: Buffer.alloc(0),
    contentType: null,
    receivedAt: Date.now(),
    ...overrides,
  };
}

export const getRequest = (query: string, receivedAt = Date.now()) =>
  request({ method: 'GET', url: `/hooks/vg/inbound?${query}`, publicUrl: `https://sms.example.com/hooks/vg/inbound?${query}`, receivedAt });
export const formRequest = (body: string, receivedAt = Date.now(), url = '/hooks/vg/inbound') =>
  request({ url, rawBody: Buffer.from(body), contentType: 'application/x-www-form-urlencoded; charset=UTF-8', receivedAt });
export const jsonRequest = (body: string, receivedAt = Date.now(), headers: WebhookRequest['headers'] = {}) =>
  request({ rawBody: Buffer.from(body), contentType: 'application/json', receivedAt, headers });

export const verify = (req: WebhookRequest, ch = channel()) => Promise.resolve(vonageAdapter.verify(req, ch));
export const reasonOf = (verdict: VerifyResult) => (verdict.ok ? '' : verdict.reason);
