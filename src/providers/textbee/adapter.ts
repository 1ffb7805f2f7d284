import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
import { SendError, type OutboundRequest, type ProviderAdapter, type SendResult, type VerifyResult, type WebhookEvent, type WebhookRequest } from '../contract.js';
import { headerValue } from '../hmac.js';
import { callProvider } from '../provider-http.js';
import { readJsonBody, readPhone, readTimestamp } from '../webhook-body.js';
import type { TextbeeChannelConfig } from './config.js';

// textbee (an Android phone behind textbee.dev): JSON webhooks signed with X-Signature = hex
// HMAC-SHA256 of the body; sends through the gateway API, which answers with a batch id.

/** textbee signs no timestamp: replays are recognised by the notification's idempotencyKey. */
export function verifyTextbee(request: WebhookRequest, secret: string): VerifyResult {
  const signature = headerValue(request.headers, 'x-signature')?.trim() ?? '';
  if (!signature) return { ok: false, reason: 'X-Signature header is missing' };
  const expected = createHmac('sha256', secret).update(request.rawBody).digest();
  const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : { ok: false, reason: 'X-Signature does not match the body under the signing_secret' };
}

const notification = z.object({
  webhookEvent: z.string().max(64),
  smsId: z.string().min(1).max(128),
  idempotencyKey: z.string().min(1).max(128),
  message: z.string().max(65_536).nullish(),
  sender: z.string().max(64).nullish(),
  recipient: z.string().max(64).nullish(),
  smsBatchId: z.string().max(128).nullish(),
  errorCode: z.string().max(128).nullish(),
  receivedAt: z.string().max(64).nullish(),
  sentAt: z.string().max(64).nullish(),
  deliveredAt: z.string().max(64).nullish(),
  failedAt: z.string().max(64).nullish(),
});

const receiptEvents: Record<string, OutboundStatus> = { MESSAGE_SENT: 'sent', MESSAGE_DELIVERED: 'delivered', MESSAGE_FAILED: 'failed' };

export function parseTextbee(request: WebhookRequest, channel: TextbeeChannelConfig): WebhookEvent {
  const event = readJsonBody(request, notification);
  if (event.webhookEvent === 'MESSAGE_RECEIVED') {
    return {
      kind: 'inbound',
      message: {
        from: readPhone(event.sender ?? '', 'sender'),
        // textbee does not say which number received it: the channel's.
        to: channel.numbers[0]!,
        body: event.message ?? '',
        mediaUrls: [],
        providerMessageId: event.smsId,
        providerTime: readTimestamp(event.receivedAt),
      },
    };
  }
  const status = receiptEvents[event.webhookEvent];
  if (!status) return { kind: 'ignored', reason: `event ${event.webhookEvent.slice(0, 40)} is not used` };
  return {
    kind: 'status',
    receipt: {
      // Parley sends one recipient per batch, so the batch id is the message's.
      providerMessageId: event.smsBatchId ?? event.smsId,
      status,
      providerStatus: event.webhookEvent,
      errorCode: event.errorCode ?? null,
      providerTime: readTimestamp(event.deliveredAt ?? event.failedAt ?? event.sentAt),
      notificationId: event.idempotencyKey,
    },
  };
}

export const defaultTextbeeApiUrl = 'https://api.textbee.dev';

async function send(message: OutboundRequest, channel: TextbeeChannelConfig): Promise<SendResult> {
  const reply = await callProvider(
    {
      url: `${channel.api_url ?? defaultTextbeeApiUrl}/api/v1/gateway/send-sms`,
      headers: { 'x-api-key': channel.api_key },
      json: { recipients: [message.to], message: message.body, ...(channel.device_id ? { deviceId: channel.device_id } : {}) },
      timeout: channel.send_timeout,
    },
    (reply) => {
      const body = reply.json as { error?: unknown; message?: unknown } | undefined;
      const text = typeof body?.error === 'string' ? body.error : typeof body?.message === 'string' ? body.message : undefined;
      return { code: null, ...(text ? { message: text } : {}) };
    },
  );
  const data = (reply.json as { data?: { smsBatchId?: unknown; successCount?: unknown } } | undefined)?.data;
  if (typeof data?.smsBatchId === 'string' && data.smsBatchId !== '') return { providerMessageId: data.smsBatchId, status: 'queued' };
  throw new SendError('invalid_response', 'textbee answered without an smsBatchId');
}

export const textbeeAdapter: ProviderAdapter<TextbeeChannelConfig> = {
  verify: (request, channel) => verifyTextbee(request, channel.signing_secret),
  parse: (request, channel) => parseTextbee(request, channel),
  send,
};
