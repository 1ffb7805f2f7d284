import { z } from 'zod';
import { outboundStatuses } from '../../core/message-status.js';
import {
  SendError,
  type InboundMessage,
  type OutboundRequest,
  type ProviderAdapter,
  type SendResult,
  type StatusReceipt,
  type VerifyResult,
  type WebhookEvent,
  type WebhookPath,
  type WebhookRequest,
} from '../contract.js';
import { headerValue, hmacSha256HexMatches } from '../hmac.js';
import { callProvider, type RefusalReader } from '../provider-http.js';
import { readJsonBody, readPhone, readTimestamp } from '../webhook-body.js';
import type { GenericChannelConfig } from './config.js';

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
  media_urls: z
    .array(z.url({ protocol: /^https?$/ }).max(2048))
    .max(32)
    .nullish(),
  /** One part of a longer message, for gateways that deliver parts separately. */
  part: z
    .object({
      reference: z.string().min(1).max(64),
      index: z.number().int().min(1).max(255),
      total: z.number().int().min(1).max(255),
    })
    .refine((p) => p.index <= p.total, { message: 'index must not be greater than total', path: ['index'] })
    .nullish(),
});

const statusSchema = z.object({
  message_id: providerId,
  status: z.enum(outboundStatuses),
  error_code: z.union([z.string().max(64), z.number()]).nullish(),
  timestamp,
  /** The gateway's id for this notification, stable across its retries. */
  notification_id: z.string().min(1).max(256).nullish(),
  /** Set when each part of a multipart message is reported on its own. */
  part: z.object({ id: z.string().min(1).max(64), total: z.number().int().min(1).max(255).nullish() }).nullish(),
  /** The gateway blocks this recipient, who opted out with it. */
  recipient_opted_out: z.boolean().nullish(),
  /** Parley's id of the message (the send's `id`), when the gateway echoes it. */
  parley_id: z.string().min(1).max(64).nullish(),
});

const sendResponseSchema = z.object({
  message_id: z.union([z.string().min(1).max(256), z.number()]),
  status: z.enum(outboundStatuses).optional(),
  /** Every part's id, first part first, when the gateway reports each part of a long text under its own id. */
  part_ids: z.array(providerId).min(1).max(255).optional(),
});

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
    from: readPhone(payload.from, 'from'),
    to: readPhone(payload.to, 'to'),
    body: payload.body,
    mediaUrls: payload.media_urls ?? [],
    providerMessageId: payload.message_id,
    providerTime: readTimestamp(payload.timestamp),
    ...(payload.part ? { part: payload.part } : {}),
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
    ...(payload.notification_id ? { notificationId: payload.notification_id } : {}),
    ...(payload.part ? { part: { key: payload.part.id, total: payload.part.total ?? null } } : {}),
    ...(payload.recipient_opted_out ? { recipientOptedOut: true } : {}),
    ...(payload.parley_id ? { parleyMessageId: payload.parley_id } : {}),
  };
}

/** Generic webhooks say what they are by their URL; on the shared `events` URL, a `status` field makes a receipt. */
export function parseGeneric(request: WebhookRequest, path: WebhookPath): WebhookEvent {
  if (path === 'events') path = looksLikeReceipt(request) ? 'status' : 'inbound';
  return path === 'inbound'
    ? { kind: 'inbound', message: parseGenericInbound(request) }
    : { kind: 'status', receipt: parseGenericStatus(request) };
}

function looksLikeReceipt(request: WebhookRequest): boolean {
  try {
    const value: unknown = JSON.parse(request.rawBody.toString('utf8'));
    return typeof value === 'object' && value !== null && 'status' in value && !('from' in value);
  } catch {
    return false; // parseGenericInbound reports the bad JSON
  }
}

/** A refusal may say `{"error_code":"opted_out"}`: the gateway itself blocks the recipient. */
const readRefusal: RefusalReader = (reply) => {
  const code = (reply.json as { error_code?: unknown } | undefined)?.error_code;
  return typeof code === 'string' ? { code, optedOut: code === 'opted_out' } : { code: null };
};

async function send(message: OutboundRequest, channel: GenericChannelConfig): Promise<SendResult> {
  const reply = await callProvider(
    {
      seen: message.seen,
      url: channel.send_url,
      json: {
        id: message.id,
        from: message.from,
        to: message.to,
        body: message.body,
        ...(message.mediaUrls.length > 0 ? { media_urls: message.mediaUrls } : {}),
        ...(message.statusCallbackUrl ? { status_url: message.statusCallbackUrl } : {}),
      },
      timeout: channel.send_timeout,
    },
    readRefusal,
  );
  const parsed = sendResponseSchema.safeParse(reply.json);
  if (!parsed.success)
    throw new SendError(
      'invalid_response',
      reply.json === undefined ? 'provider response is not JSON' : 'provider response has no message_id',
    );
  const providerMessageId = String(parsed.data.message_id);
  const partIds = parsed.data.part_ids;
  if (partIds && partIds[0] !== providerMessageId)
    throw new SendError('invalid_response', 'provider response lists part_ids whose first is not its message_id');
  return {
    providerMessageId,
    status: parsed.data.status ?? 'sent',
    ...(partIds && partIds.length > 1 ? { partIds } : {}),
  };
}

export const genericAdapter: ProviderAdapter<GenericChannelConfig> = {
  signature: 'X-Signature: HMAC-SHA256 of the body',
  verify: (request, channel) => verifyHexSignature(request, channel.secret),
  parse: (request, _channel, path) => parseGeneric(request, path),
  send,
};
