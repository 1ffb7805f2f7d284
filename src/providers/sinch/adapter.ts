import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
import { ParleyError } from '../../errors.js';
import {
  SendError,
  type InboundMessage,
  type OutboundRequest,
  type ProviderAdapter,
  type SendResult,
  type StatusReceipt,
  type VerifyResult,
  type WebhookEvent,
  type WebhookRequest,
} from '../contract.js';
import { headerValue } from '../hmac.js';
import { callProvider, type RefusalReader } from '../provider-http.js';
import { readJsonBody, readPhone, readTimestamp } from '../webhook-body.js';
import type { SinchChannelConfig } from './config.js';

// Sinch SMS REST API ("XMS"): JSON callbacks for inbound messages and per-recipient delivery
// reports on one URL, authenticated the way the account set up with Sinch (an HMAC signature,
// Basic authentication, or only Sinch's source addresses); sends are batches of one recipient.

/** Sinch documents no tolerance for its signature timestamp; Parley takes the usual 5 minutes. */
const toleranceSeconds = 300;

/** The HMACs Sinch names in `x-sinch-webhook-signature-algorithm`; SHA-256 when the header is absent. */
const hmacAlgorithms = new Map([
  ['HmacSHA256', 'sha256'],
  ['HmacSHA512', 'sha512'],
]);

/** `x-sinch-webhook-signature`: base64 HMAC, with the callback secret, of `body.nonce.timestamp`. */
export function verifySinchSignature(request: WebhookRequest, secret: string): VerifyResult {
  const signature = headerValue(request.headers, 'x-sinch-webhook-signature')?.trim();
  const nonce = headerValue(request.headers, 'x-sinch-webhook-signature-nonce')?.trim();
  const timestamp = headerValue(request.headers, 'x-sinch-webhook-signature-timestamp')?.trim();
  const algorithmName = headerValue(request.headers, 'x-sinch-webhook-signature-algorithm')?.trim() || 'HmacSHA256';
  if (!signature)
    return {
      ok: false,
      reason:
        'x-sinch-webhook-signature header is missing: the channel has a callback_secret, so Sinch must sign its callbacks (ask Sinch to turn callback signing on, or remove callback_secret)',
    };
  if (!nonce || !timestamp) return { ok: false, reason: 'x-sinch-webhook-signature-nonce or -timestamp header is missing' };
  const algorithm = hmacAlgorithms.get(algorithmName);
  if (!algorithm)
    return { ok: false, reason: `x-sinch-webhook-signature-algorithm "${algorithmName.slice(0, 20)}" is not HmacSHA256 or HmacSHA512` };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'x-sinch-webhook-signature-timestamp is not a Unix time in seconds' };
  const skew = Math.abs(request.receivedAt / 1000 - Number(timestamp));
  if (skew > toleranceSeconds) {
    return {
      ok: false,
      reason: `x-sinch-webhook-signature-timestamp is ${Math.round(skew)} s from this server's clock (more than ${toleranceSeconds} s): a replayed callback, or a server clock to fix`,
    };
  }
  const expected = createHmac(algorithm, secret).update(request.rawBody).update(`.${nonce}.${timestamp}`).digest();
  const presented = Buffer.from(signature, 'base64');
  return presented.length === expected.length && timingSafeEqual(presented, expected)
    ? { ok: true }
    : {
        ok: false,
        reason: `x-sinch-webhook-signature does not match the ${algorithmName} of body.nonce.timestamp under the channel's callback_secret`,
      };
}

/** `Authorization: Basic …` with the user and password agreed with Sinch, compared in constant time. */
export function verifySinchBasicAuth(request: WebhookRequest, credentials: { username: string; password: string }): VerifyResult {
  const authorization = headerValue(request.headers, 'authorization')?.trim();
  if (!authorization)
    return {
      ok: false,
      reason:
        'Authorization header is missing: the channel has callback_basic_auth, so Sinch must send its callbacks with Basic authentication',
    };
  const expected = Buffer.from(`Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`);
  const presented = Buffer.from(authorization.replace(/^basic /i, 'Basic '));
  return presented.length === expected.length && timingSafeEqual(presented, expected)
    ? { ok: true }
    : { ok: false, reason: "the Authorization header's Basic credentials are not the channel's callback_basic_auth" };
}

/**
 * Every mechanism the channel configures must pass. A channel with neither relies on `allow_ips`
 * (the config requires it then), which Parley checks before it calls verify.
 */
export function verifySinch(request: WebhookRequest, channel: SinchChannelConfig): VerifyResult {
  if (channel.callback_secret !== undefined) {
    const signed = verifySinchSignature(request, channel.callback_secret);
    if (!signed.ok) return signed;
  }
  if (channel.callback_basic_auth !== undefined) {
    const authenticated = verifySinchBasicAuth(request, channel.callback_basic_auth);
    if (!authenticated.ok) return authenticated;
  }
  return { ok: true };
}

const text = (max: number) => z.string().max(max);
const callbackSchema = z.object({
  type: text(64),
  id: text(128).nullish(),
  from: text(64).nullish(),
  to: text(64).nullish(),
  // mo_text and mo_binary carry a string; mo_media an object with the text and the media list.
  body: z
    .union([
      text(65_536),
      z.object({
        subject: text(1_000).nullish(),
        message: text(65_536).nullish(),
        media: z
          .array(z.object({ url: text(2048).nullish(), status: text(32).nullish() }))
          .max(32)
          .nullish(),
      }),
    ])
    .nullish(),
  received_at: text(64).nullish(),
  batch_id: text(128).nullish(),
  status: text(64).nullish(),
  code: z.union([z.number(), text(16)]).nullish(),
  at: text(64).nullish(),
  client_reference: text(128).nullish(),
});

type SinchCallback = z.output<typeof callbackSchema>;

/**
 * Sinch's recipient statuses in Parley's set, by Sinch's own descriptions: Aborted, Cancelled,
 * Rejected and Expired never reached the handset's network; Failed and Deleted did and were not
 * delivered; Unknown reached the operator, which never confirmed.
 */
const statusMap = new Map<string, OutboundStatus>([
  ['Queued', 'queued'],
  ['Dispatched', 'sent'],
  ['Delivered', 'delivered'],
  ['Aborted', 'failed'],
  ['Cancelled', 'failed'],
  ['Rejected', 'failed'],
  ['Expired', 'failed'],
  ['Failed', 'undelivered'],
  ['Deleted', 'undelivered'],
  ['Unknown', 'sent'],
]);

/** Codes that name a state rather than a fault: 0 (success), 400 (Queued), 401 (Dispatched). */
const notErrors = new Set(['0', '400', '401']);

function requiredText(value: string | null | undefined, field: string): string {
  if (!value) throw new ParleyError('invalid_payload', `${field}: required`);
  return value;
}

function inboundMessage(event: SinchCallback): InboundMessage {
  const media = typeof event.body === 'object' && event.body !== null ? event.body : null;
  return {
    from: readPhone(event.from ?? '', 'from'),
    to: readPhone(event.to ?? '', 'to'),
    body: typeof event.body === 'string' ? event.body : (media?.message ?? ''),
    mediaUrls: (media?.media ?? []).flatMap((m) => (m.url ? [m.url] : [])),
    providerMessageId: requiredText(event.id, 'id'),
    providerTime: readTimestamp(event.received_at),
  };
}

function statusReceipt(event: SinchCallback, status: OutboundStatus, providerStatus: string): StatusReceipt {
  const code = event.code === undefined || event.code === null ? null : String(event.code).trim();
  return {
    // Parley sends one recipient per batch, so the batch id is the message's id.
    providerMessageId: requiredText(event.batch_id, 'batch_id'),
    status,
    providerStatus,
    errorCode: code === null || code === '' || notErrors.has(code) ? null : code,
    providerTime: readTimestamp(event.at),
    // Parley's message id, set as client_reference on the send.
    ...(event.client_reference ? { parleyMessageId: event.client_reference } : {}),
  };
}

export function parseSinch(request: WebhookRequest): WebhookEvent {
  const event = readJsonBody(request, callbackSchema);
  switch (event.type) {
    case 'mo_text':
    case 'mo_media':
      return { kind: 'inbound', message: inboundMessage(event) };
    case 'recipient_delivery_report_sms': {
      const providerStatus = event.status ?? '';
      const status = statusMap.get(providerStatus);
      if (!status) return { kind: 'ignored', reason: `delivery status "${providerStatus.slice(0, 40)}" is not one Sinch documents` };
      return { kind: 'status', receipt: statusReceipt(event, status, providerStatus) };
    }
    case 'mo_binary':
      return { kind: 'ignored', reason: 'binary messages (mo_binary) are not read' };
    case 'delivery_report_sms':
    case 'delivery_report_mms':
      return { kind: 'ignored', reason: `batch summaries (${event.type}) are not used: Parley asks for per-recipient reports` };
    default:
      return { kind: 'ignored', reason: `callback type ${event.type.slice(0, 40)} is not used` };
  }
}

/** Sinch's error body is `{"code": "...", "text": "..."}`; it has no code for a recipient who opted out. */
const readRefusal: RefusalReader = (reply) => {
  const error = reply.json as { code?: unknown; text?: unknown } | undefined;
  return { code: typeof error?.code === 'string' ? error.code : null, ...(typeof error?.text === 'string' ? { message: error.text } : {}) };
};

export const sinchApiUrl = (region: string) => `https://${region}.sms.api.sinch.com`;

/**
 * A text batch, or a media batch (`mt_media`, US only) when there is media. A media batch carries
 * one file; further media URLs go into the text as links rather than being dropped.
 */
function batchBody(message: OutboundRequest): Record<string, unknown> {
  const [media, ...moreMedia] = message.mediaUrls;
  const common = {
    from: message.from,
    to: [message.to],
    delivery_report: 'per_recipient',
    client_reference: message.id,
    ...(message.statusCallbackUrl ? { callback_url: message.statusCallbackUrl } : {}),
  };
  if (!media) return { ...common, type: 'mt_text', body: message.body };
  const withLinks = [message.body, ...moreMedia].filter((part) => part !== '').join('\n');
  return { ...common, type: 'mt_media', body: { url: media, ...(withLinks ? { message: withLinks } : {}) } };
}

async function send(message: OutboundRequest, channel: SinchChannelConfig): Promise<SendResult> {
  const reply = await callProvider(
    {
      seen: message.seen,
      url: `${channel.api_url ?? sinchApiUrl(channel.region)}/xms/v1/${encodeURIComponent(channel.service_plan_id)}/batches`,
      headers: { authorization: `Bearer ${channel.api_token}` },
      json: batchBody(message),
      timeout: channel.send_timeout,
    },
    readRefusal,
  );
  const id = (reply.json as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string' || id === '') throw new SendError('invalid_response', 'Sinch answered without a batch id');
  return { providerMessageId: id, status: 'queued' };
}

export const sinchAdapter: ProviderAdapter<SinchChannelConfig> = {
  signature: 'x-sinch-webhook-signature (HMAC) or Basic auth',
  verify: (request, channel) => verifySinch(request, channel),
  // Sinch posts inbound messages and delivery reports to the same callback URL.
  parse: (request) => parseSinch(request),
  send,
};
