import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
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
  type WebhookEvent,
  type WebhookPath,
  type WebhookRequest,
} from '../contract.js';
import { callProvider, type RefusalReader } from '../provider-http.js';
import { firstValues, formParams, isForm, isJson, queryParams, readJsonBody, readPhone, readTimestamp } from '../webhook-body.js';
import type { SmsmodeChannelConfig } from './config.js';
import { isHttpApiCallback, parseHttpApiCallback } from './http-api-callbacks.js';

// smsmode (REST API sms/v1): JSON callbacks for replies (callbackUrlMo) and delivery reports
// (callbackUrlStatus), both the message resource of the API; the older HTTP API's flat callbacks
// are read too (http-api-callbacks.ts). smsmode signs nothing, so a callback
// is trusted by the secret `token` query parameter Parley puts in every callback URL it gives out
// (and the operator puts in the URLs set in the smsmode account); allow_ips narrows it further.

export const defaultSmsmodeApiUrl = 'https://rest.smsmode.com';

/** The query parameter that carries the channel's webhook_token. */
export const tokenParam = 'token';

export function verifySmsmode(request: WebhookRequest, webhookToken: string): VerifyResult {
  const presented = firstValues(queryParams(request)).get(tokenParam);
  const checked = request.publicUrl.split('?')[0];
  if (!presented) {
    return {
      ok: false,
      reason: `the URL (${checked}) has no ${tokenParam} parameter; smsmode signs nothing, so every callback URL given to smsmode must end in ?${tokenParam}=<webhook_token>`,
    };
  }
  return tokensMatch(presented, webhookToken)
    ? { ok: true }
    : { ok: false, reason: `the ${tokenParam} parameter of ${checked} does not equal the channel's webhook_token` };
}

/** Constant time for equal lengths; a different length is simply no match. */
function tokensMatch(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const text = z.string().max(128);
const time = z.string().max(64).nullish();

/**
 * The message resource smsmode posts (the fields of `GET sms/v1/…/messages/{messageId}`); only
 * what Parley reads is listed, the rest is let through unread.
 */
const callbackSchema = z.object({
  messageId: z.string().min(1).max(128),
  direction: text.nullish(),
  from: z.string().max(64).nullish(),
  recipient: z.object({ to: z.string().max(64).nullish() }).nullish(),
  body: z.object({ text: z.string().max(65_536).nullish() }).nullish(),
  status: z.object({ value: text.nullish(), detail: z.string().max(500).nullish(), deliveryDate: time }).nullish(),
  sentDate: time,
  acceptedAt: time,
  refClient: z.string().max(128).nullish(),
});

type Callback = z.output<typeof callbackSchema>;

/**
 * Delivery statuses in Parley's set. The values are those of smsmode's REST message status
 * (`SCHEDULED`, `ENROUTE`, `DELIVERED`, `UNDELIVERABLE`, `UNDELIVERED`); any other value is
 * acknowledged and not applied, never guessed to be a failure. A Map, so a name like `constructor`
 * finds nothing inherited.
 */
const statusMap = new Map<string, OutboundStatus>([
  ['SCHEDULED', 'queued'],
  ['ENROUTE', 'sent'],
  ['DELIVERED', 'delivered'],
  // The operator could not deliver it (phone off too long, …).
  ['UNDELIVERED', 'undelivered'],
  // It can never reach this number (invalid, blacklisted, …).
  ['UNDELIVERABLE', 'failed'],
]);

export function parseSmsmode(request: WebhookRequest, channel: SmsmodeChannelConfig, path: WebhookPath): WebhookEvent {
  if (!isJson(request)) {
    const fields = firstValues([...queryParams(request), ...(isForm(request) ? formParams(request) : [])]);
    if (isHttpApiCallback(fields)) return parseHttpApiCallback(fields, channel, path);
  }
  const callback = readJsonBody(request, callbackSchema);
  return isReply(callback, path) ? { kind: 'inbound', message: replyOf(callback, channel) } : statusEvent(callback);
}

/** The body's own direction decides; without one, the URL it came to; on `events`, its shape. */
function isReply(callback: Callback, path: WebhookPath): boolean {
  const direction = callback.direction?.toUpperCase();
  if (direction === 'MO') return true;
  if (direction === 'MT') return false;
  if (path !== 'events') return path === 'inbound';
  return !callback.status?.value && typeof callback.body?.text === 'string';
}

function replyOf(callback: Callback, channel: SmsmodeChannelConfig): InboundMessage {
  const body = callback.body?.text;
  if (typeof body !== 'string') throw new ParleyError('invalid_payload', 'body.text: required');
  return {
    // Numbers come as international digits without "+".
    from: readPhone(callback.from ?? '', 'from'),
    // A reply to a short code or an alias names no number of ours: the channel's then.
    to: toE164(callback.recipient?.to ?? '') ?? channel.numbers[0]!,
    body,
    mediaUrls: [],
    providerMessageId: callback.messageId,
    providerTime: readTimestamp(callback.sentDate ?? callback.acceptedAt),
  };
}

function statusEvent(callback: Callback): WebhookEvent {
  const value = callback.status?.value;
  if (!value) throw new ParleyError('invalid_payload', 'status.value: required');
  const status = statusMap.get(value.toUpperCase());
  if (!status) return { kind: 'ignored', reason: `status "${value.slice(0, 40)}" is not one Parley applies` };
  const detail = callback.status?.detail ?? null;
  const receipt: StatusReceipt = {
    providerMessageId: callback.messageId,
    status,
    providerStatus: value,
    errorCode: status === 'failed' || status === 'undelivered' ? detail : null,
    providerTime: readTimestamp(callback.status?.deliveryDate),
  };
  // Parley's message id, set as refClient on the send.
  if (callback.refClient) receipt.parleyMessageId = callback.refClient;
  // smsmode blacklists a number that sent it STOP; sends to it end UNDELIVERABLE / BLACKLISTED.
  if (status === 'failed' && detail?.toUpperCase() === 'BLACKLISTED') receipt.recipientOptedOut = true;
  return { kind: 'status', receipt };
}

/** `url` with the channel's token added, so smsmode's call to it passes verify. */
export function withToken(url: string, webhookToken: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${tokenParam}=${webhookToken}`;
}

const sendResponseSchema = z.object({ messageId: z.string().min(1).max(128), status: z.object({ value: text.nullish() }).nullish() });

interface SmsmodeError {
  errorCode?: unknown;
  detail?: unknown;
  message?: unknown;
  details?: { errorCode?: unknown; detail?: unknown };
}

/**
 * smsmode refuses with `{errorCode, detail}` (sometimes under `details`). A recipient who sent STOP
 * is blacklisted at smsmode: such a refusal is an opt-out, not a bad message.
 */
const readRefusal: RefusalReader = (reply) => {
  const body = (reply.json ?? {}) as SmsmodeError;
  const code = body.errorCode ?? body.details?.errorCode;
  const detail = body.detail ?? body.details?.detail ?? body.message;
  const codeText = typeof code === 'string' || typeof code === 'number' ? String(code) : null;
  const detailText = typeof detail === 'string' ? detail.slice(0, 200) : undefined;
  const optedOut = /blacklist|opt[-_ ]?out/i.test(`${codeText ?? ''} ${detailText ?? ''}`);
  return { code: codeText, ...(detailText ? { message: detailText } : {}), optedOut };
};

async function send(message: OutboundRequest, channel: SmsmodeChannelConfig): Promise<SendResult> {
  if (message.mediaUrls.length > 0) throw new SendError('rejected', 'smsmode sends SMS only; this message has media');
  const reply = await callProvider(
    {
      seen: message.seen,
      url: `${channel.api_url ?? defaultSmsmodeApiUrl}/sms/v1/messages`,
      headers: { 'x-api-key': channel.api_key },
      json: {
        // smsmode takes international numbers as digits, without "+".
        recipient: { to: message.to.replace(/^\+/, '') },
        body: { text: message.body },
        ...(channel.sender ? { from: channel.sender.replace(/^\+/, '') } : {}),
        refClient: message.id,
        ...(message.statusCallbackUrl ? { callbackUrlStatus: withToken(message.statusCallbackUrl, channel.webhook_token) } : {}),
        // Replies to this message come back to the channel's inbound URL.
        ...(channel.public_url
          ? { callbackUrlMo: withToken(`${channel.public_url}/hooks/${channel.name}/inbound`, channel.webhook_token) }
          : {}),
      },
      timeout: channel.send_timeout,
    },
    readRefusal,
  );
  const parsed = sendResponseSchema.safeParse(reply.json);
  if (!parsed.success) throw new SendError('invalid_response', 'smsmode answered without a messageId');
  return {
    providerMessageId: parsed.data.messageId,
    status: statusMap.get(parsed.data.status?.value?.toUpperCase() ?? '') ?? 'queued',
  };
}

export const smsmodeAdapter: ProviderAdapter<SmsmodeChannelConfig> = {
  signature: 'token query parameter (smsmode signs nothing)',
  verify: (request, channel) => verifySmsmode(request, channel.webhook_token),
  parse: (request, channel, path) => parseSmsmode(request, channel, path),
  send,
  webhookUrlParams: (channel) => ({ [tokenParam]: channel.webhook_token }),
};
