import { request } from 'undici';
import { z } from 'zod';
import type { GenericChannelConfig } from '../../config.js';
import { outboundStatuses } from '../../core/message-status.js';
import { toE164 } from '../../core/phone.js';
import { ParleyError } from '../../errors.js';
import {
  SendError,
  type InboundMessage,
  type OutboundRequest,
  type ProviderAdapter,
  type SendResult,
  type StatusReceipt,
  type VerifyResult,
  type WebhookRequest,
} from '../contract.js';
import { headerValue, hmacSha256HexMatches } from '../hmac.js';
import { readJsonBody, readTimestamp } from '../json-body.js';

// Parley's own provider format: the common shape of provider payloads, signed with one HMAC.
// A gateway that can be programmed (an in-house aggregator, a phone gateway with scripting) speaks
// this to Parley without an adapter of its own. docs/providers/generic.md describes it.

const providerId = z.string().min(1).max(256);
const timestamp = z.union([z.string().max(64), z.number().finite().nonnegative()]).nullish();

const inboundSchema = z.object({
  from: z.string().max(64),
  to: z.string().max(64),
  body: z.string().max(65_536),
  message_id: providerId,
  timestamp,
  media_urls: z.array(z.url({ protocol: /^https?$/ }).max(2048)).max(32).nullish(),
});

const statusSchema = z.object({
  message_id: providerId,
  status: z.enum(outboundStatuses),
  error_code: z.union([z.string().max(64), z.number()]).nullish(),
  timestamp,
});

const sendResponseSchema = z.object({
  message_id: z.union([z.string().min(1).max(256), z.number()]),
  status: z.enum(outboundStatuses).optional(),
});

function phone(value: string, field: string): string {
  const number = toE164(value);
  if (!number) throw new ParleyError('invalid_phone_number', `${field}: "${value.slice(0, 40)}" is not a phone number.`);
  return number;
}

export function verifyHexSignature(request: WebhookRequest, secret: string): VerifyResult {
  const presented = headerValue(request.headers, 'x-signature');
  if (!presented) return { ok: false, reason: 'X-Signature header is missing' };
  return hmacSha256HexMatches(secret, request.rawBody, presented.trim())
    ? { ok: true }
    : { ok: false, reason: 'X-Signature does not match the HMAC-SHA256 of the body' };
}

export function parseGenericInbound(request: WebhookRequest): InboundMessage {
  const payload = readJsonBody(request, inboundSchema);
  return {
    from: phone(payload.from, 'from'),
    to: phone(payload.to, 'to'),
    body: payload.body,
    mediaUrls: payload.media_urls ?? [],
    providerMessageId: payload.message_id,
    providerTime: readTimestamp(payload.timestamp),
  };
}

export function parseGenericStatus(request: WebhookRequest): StatusReceipt {
  const payload = readJsonBody(request, statusSchema);
  return {
    providerMessageId: payload.message_id,
    status: payload.status,
    providerStatus: payload.status,
    errorCode: payload.error_code === undefined || payload.error_code === null ? null : String(payload.error_code),
    providerTime: readTimestamp(payload.timestamp),
  };
}

async function send(message: OutboundRequest, channel: GenericChannelConfig): Promise<SendResult> {
  let response;
  try {
    response = await request(channel.send_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: message.id, from: message.from, to: message.to, body: message.body }),
      headersTimeout: channel.send_timeout,
      bodyTimeout: channel.send_timeout,
    });
  } catch (error) {
    throw new SendError('connection', `could not reach ${new URL(channel.send_url).host}: ${(error as Error).message}`);
  }
  const text = await response.body.text().catch(() => '');
  const status = response.statusCode;
  if (status === 429) throw new SendError('throttled', 'provider answered 429', '429');
  if (status >= 500) throw new SendError('provider_unavailable', `provider answered ${status}`, String(status));
  if (status >= 400) throw new SendError('rejected', `provider answered ${status}: ${text.slice(0, 200)}`, String(status));
  if (status < 200 || status >= 300) throw new SendError('invalid_response', `provider answered ${status}`);
  let parsed;
  try {
    parsed = sendResponseSchema.safeParse(JSON.parse(text));
  } catch {
    throw new SendError('invalid_response', 'provider response is not JSON');
  }
  if (!parsed.success) throw new SendError('invalid_response', 'provider response has no message_id');
  return { providerMessageId: String(parsed.data.message_id), status: parsed.data.status ?? 'sent' };
}

export const genericAdapter: ProviderAdapter<GenericChannelConfig> = {
  verify: (request, _channel, secret) => verifyHexSignature(request, secret),
  parseInbound: (request) => parseGenericInbound(request),
  parseStatus: (request) => parseGenericStatus(request),
  send,
};
