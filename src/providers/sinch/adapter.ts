import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
import { ParleyError } from '../../errors.js';
import { SendError, type OutboundRequest, type ProviderAdapter, type SendResult, type VerifyResult, type WebhookEvent, type WebhookRequest } from '../contract.js';
import { headerValue } from '../hmac.js';
import { callProvider } from '../provider-http.js';
import { readJsonBody, readPhone, readTimestamp } from '../webhook-body.js';
import type { SinchChannelConfig } from './config.js';

// Sinch SMS (XMS): JSON callbacks for inbound messages and per-recipient delivery reports, signed
// with an HMAC the account sets up with Sinch; sends are batches of one.

const toleranceSeconds = 300;

/** `x-sinch-webhook-signature`: base64 HMAC-SHA256 of `body.nonce.timestamp`, with the callback secret. */
export function verifySinch(request: WebhookRequest, secret: string): VerifyResult {
  const signature = headerValue(request.headers, 'x-sinch-webhook-signature');
  const nonce = headerValue(request.headers, 'x-sinch-webhook-signature-nonce');
  const timestamp = headerValue(request.headers, 'x-sinch-webhook-signature-timestamp');
  const algorithm = headerValue(request.headers, 'x-sinch-webhook-signature-algorithm');
  if (!signature || !nonce || !timestamp) return { ok: false, reason: 'x-sinch-webhook-signature, -nonce or -timestamp header is missing' };
  if (algorithm && algorithm !== 'HmacSHA256') return { ok: false, reason: `signature algorithm ${algorithm.slice(0, 20)} is not HmacSHA256` };
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(request.receivedAt / 1000 - Number(timestamp)) > toleranceSeconds) {
    return { ok: false, reason: `x-sinch-webhook-signature-timestamp is not within ${toleranceSeconds} s of this server's clock` };
  }
  const expected = createHmac('sha256', secret).update(Buffer.concat([request.rawBody, Buffer.from(`.${nonce}.${timestamp}`)])).digest();
  const given = Buffer.from(signature.trim(), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : { ok: false, reason: 'x-sinch-webhook-signature does not match the body with the callback_secret' };
}

const callback = z.object({
  type: z.string().max(64),
  id: z.string().max(128).nullish(),
  from: z.string().max(64).nullish(),
  to: z.string().max(64).nullish(),
  body: z.union([z.string().max(65_536), z.object({ url: z.string().max(2048).nullish(), message: z.string().max(65_536).nullish() })]).nullish(),
  received_at: z.string().max(64).nullish(),
  batch_id: z.string().max(128).nullish(),
  status: z.string().max(64).nullish(),
  code: z.union([z.number(), z.string().max(16)]).nullish(),
  at: z.string().max(64).nullish(),
});

/** Sinch's recipient statuses, in Parley's set. */
const statusMap: Record<string, OutboundStatus | null> = {
  Queued: 'queued',
  Dispatched: 'sent',
  Delivered: 'delivered',
  Failed: 'failed',
  Rejected: 'failed',
  Aborted: 'failed',
  Cancelled: 'failed',
  Deleted: 'failed',
  Expired: 'undelivered',
  Unknown: null,
};

export function parseSinch(request: WebhookRequest): WebhookEvent {
  const event = readJsonBody(request, callback);
  if (event.type === 'mo_text' || event.type === 'mo_media') {
    const media = typeof event.body === 'object' && event.body !== null ? event.body : null;
    const text = typeof event.body === 'string' ? event.body : (media?.message ?? '');
    return {
      kind: 'inbound',
      message: {
        from: readPhone(event.from ?? '', 'from'),
        to: readPhone(event.to ?? '', 'to'),
        body: text,
        mediaUrls: media?.url ? [media.url] : [],
        providerMessageId: requiredText(event.id, 'id'),
        providerTime: readTimestamp(event.received_at),
      },
    };
  }
  if (event.type === 'recipient_delivery_report_sms') {
    const providerStatus = event.status ?? '';
    if (!(providerStatus in statusMap)) return { kind: 'ignored', reason: `delivery status "${providerStatus.slice(0, 40)}" is not known` };
    const status = statusMap[providerStatus];
    if (!status) return { kind: 'ignored', reason: `delivery status ${providerStatus} says nothing new` };
    const code = event.code === undefined || event.code === null ? null : String(event.code);
    return {
      kind: 'status',
      receipt: { providerMessageId: requiredText(event.batch_id, 'batch_id'), status, providerStatus, errorCode: code && code !== '0' ? code : null, providerTime: readTimestamp(event.at) },
    };
  }
  // Batch summaries (Parley asks for per-recipient reports) and binary messages.
  return { kind: 'ignored', reason: `callback type ${event.type.slice(0, 40)} is not used` };
}

function requiredText(value: string | null | undefined, field: string): string {
  if (!value) throw new ParleyError('invalid_payload', `${field}: required`);
  return value;
}

export const sinchApiUrl = (region: string) => `https://${region}.sms.api.sinch.com`;

async function send(message: OutboundRequest, channel: SinchChannelConfig): Promise<SendResult> {
  const reply = await callProvider(
    {
      url: `${channel.api_url ?? sinchApiUrl(channel.region)}/xms/v1/${channel.service_plan_id}/batches`,
      headers: { authorization: `Bearer ${channel.api_token}` },
      json: {
        from: message.from,
        to: [message.to],
        body: message.body,
        delivery_report: 'per_recipient',
        client_reference: message.id,
        ...(message.statusCallbackUrl ? { callback_url: message.statusCallbackUrl } : {}),
      },
      timeout: channel.send_timeout,
    },
    (reply) => {
      const error = reply.json as { code?: unknown; text?: unknown } | undefined;
      return { code: typeof error?.code === 'string' ? error.code : null, ...(typeof error?.text === 'string' ? { message: error.text } : {}) };
    },
  );
  const id = (reply.json as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string' || id === '') throw new SendError('invalid_response', 'Sinch answered without a batch id');
  return { providerMessageId: id, status: 'queued' };
}

export const sinchAdapter: ProviderAdapter<SinchChannelConfig> = {
  verify: (request, channel) => verifySinch(request, channel.callback_secret),
  parse: (request) => parseSinch(request),
  send,
};
