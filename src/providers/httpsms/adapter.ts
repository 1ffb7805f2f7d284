import { jwtVerify } from 'jose';
import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
import { ParleyError } from '../../errors.js';
import { SendError, type OutboundRequest, type ProviderAdapter, type SendResult, type VerifyResult, type WebhookEvent, type WebhookRequest } from '../contract.js';
import { headerValue } from '../hmac.js';
import { callProvider } from '../provider-http.js';
import { readJsonBody, readPhone, readTimestamp } from '../webhook-body.js';
import type { HttpsmsChannelConfig } from './config.js';

// httpSMS (an Android phone behind httpsms.com): CloudEvents webhooks with a Bearer JWT (HS256,
// the webhook's signing key). The JWT does not cover the body, so events are deduplicated by
// their CloudEvent id and the token's audience must be this URL.

export async function verifyHttpsms(request: WebhookRequest, signingKey: string): Promise<VerifyResult> {
  const authorization = headerValue(request.headers, 'authorization');
  if (!authorization?.startsWith('Bearer ')) return { ok: false, reason: 'no Bearer token: set a signing key on the httpSMS webhook' };
  const url = request.publicUrl.split('?')[0]!;
  try {
    await jwtVerify(authorization.slice(7).trim(), new TextEncoder().encode(signingKey), {
      algorithms: ['HS256'],
      issuer: 'api.httpsms.com',
      audience: [url, request.publicUrl],
      currentDate: new Date(request.receivedAt),
      clockTolerance: 60,
    });
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `the Bearer JWT does not verify (${(error as Error).message}); its audience must be ${url}` };
  }
}

const cloudEvent = z.object({
  id: z.string().min(1).max(128),
  type: z.string().max(64),
  data: z
    .object({
      id: z.string().max(128).nullish(),
      message_id: z.string().max(128).nullish(),
      request_id: z.string().max(128).nullish(),
      owner: z.string().max(64).nullish(),
      contact: z.string().max(64).nullish(),
      content: z.string().max(65_536).nullish(),
      timestamp: z.string().max(64).nullish(),
      error_message: z.string().max(500).nullish(),
    })
    .nullish(),
});

const receiptTypes: Record<string, OutboundStatus> = {
  'message.phone.sent': 'sent',
  'message.phone.delivered': 'delivered',
  'message.send.failed': 'failed',
  'message.send.expired': 'undelivered',
};

export function parseHttpsms(request: WebhookRequest): WebhookEvent {
  const event = readJsonBody(request, cloudEvent);
  const data = event.data ?? {};
  if (event.type === 'message.phone.received') {
    if (!data.message_id) throw new ParleyError('invalid_payload', 'data.message_id: required');
    return {
      kind: 'inbound',
      message: {
        from: readPhone(data.contact ?? '', 'data.contact'),
        to: readPhone(data.owner ?? '', 'data.owner'),
        body: data.content ?? '',
        mediaUrls: [],
        providerMessageId: data.message_id,
        providerTime: readTimestamp(data.timestamp),
      },
    };
  }
  const status = receiptTypes[event.type];
  if (status) {
    if (!data.id) throw new ParleyError('invalid_payload', 'data.id: required');
    return {
      kind: 'status',
      receipt: { providerMessageId: data.id, status, providerStatus: event.type, errorCode: data.error_message ?? null, providerTime: readTimestamp(data.timestamp), notificationId: event.id },
    };
  }
  return { kind: 'ignored', reason: `event ${event.type.slice(0, 40)} is not used` };
}

export const defaultHttpsmsApiUrl = 'https://api.httpsms.com';

async function send(message: OutboundRequest, channel: HttpsmsChannelConfig): Promise<SendResult> {
  const reply = await callProvider(
    {
      url: `${channel.api_url ?? defaultHttpsmsApiUrl}/v1/messages/send`,
      headers: { 'x-api-key': channel.api_key },
      json: { from: message.from, to: message.to, content: message.body, request_id: message.id },
      timeout: channel.send_timeout,
    },
    (reply) => {
      const body = reply.json as { message?: unknown } | undefined;
      return { code: null, ...(typeof body?.message === 'string' ? { message: body.message } : {}) };
    },
  );
  const id = (reply.json as { data?: { id?: unknown } } | undefined)?.data?.id;
  if (typeof id !== 'string' || id === '') throw new SendError('invalid_response', 'httpSMS answered without data.id');
  return { providerMessageId: id, status: 'queued' };
}

export const httpsmsAdapter: ProviderAdapter<HttpsmsChannelConfig> = {
  verify: (request, channel) => verifyHttpsms(request, channel.signing_key),
  parse: (request) => parseHttpsms(request),
  send,
};
