import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { OutboundStatus } from '../../core/message-status.js';
import { countSegments } from '../../core/segments.js';
import { ParleyError } from '../../errors.js';
import {
  parleyIdParam,
  SendError,
  type InboundMessage,
  type OutboundRequest,
  type ProviderAdapter,
  type SendResult,
  type VerifyResult,
  type WebhookEvent,
  type WebhookRequest,
} from '../contract.js';
import { headerValue } from '../hmac.js';
import { callProvider } from '../provider-http.js';
import { firstValues, formParams, isForm, isJson, queryParams, readPhone, readTimestamp, requireField, type Params } from '../webhook-body.js';
import type { VonageChannelConfig } from './config.js';

// Vonage: the SMS API's webhooks (GET query, form or JSON; signed with `sig` when signing is on)
// and the Messages API's (JSON with a Bearer JWT). Sends go through the SMS API.

/** How far a signed webhook's `timestamp` may be from our clock. Vonage publishes no window; this is Parley's. */
const toleranceSeconds = 300;

type SignatureMethod = VonageChannelConfig['signature_method'];

/**
 * Vonage's `sig`: every parameter but `sig`, sorted by name, as `&name=value` with `&` and `=`
 * inside values replaced by `_`; then MD5 of that plus the secret (`md5hash`), or an HMAC of it
 * keyed with the secret. Hex, compared without regard to case.
 */
export function vonageSignature(params: Map<string, string>, secret: string, method: SignatureMethod): string {
  const input = [...params.keys()]
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${params.get(name)!.replace(/[&=]/g, '_')}`)
    .join('');
  if (method === 'md5hash') return createHash('md5').update(input + secret).digest('hex');
  return createHmac(method, secret).update(input).digest('hex');
}

/** The parameters of an SMS API webhook: the query, plus the form or JSON body. */
function smsApiParams(request: WebhookRequest): Map<string, string> {
  const params: Params = [...queryParams(request)];
  if (request.rawBody.length > 0) {
    if (isForm(request)) params.push(...formParams(request));
    else if (isJson(request)) params.push(...jsonParams(request));
    else throw new ParleyError('unsupported_media_type', `Expected a query string, a form or JSON, got ${request.contentType ?? 'none'}.`);
  }
  return firstValues(params);
}

function jsonParams(request: WebhookRequest): Params {
  let value: unknown;
  try {
    value = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw new ParleyError('invalid_json');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ParleyError('invalid_payload', 'body: expected a JSON object');
  return Object.entries(value).flatMap(([name, v]): Params => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? [[name, String(v)]] : []));
}

function jsonObject(request: WebhookRequest): Record<string, unknown> | null {
  if (!isJson(request)) return null;
  try {
    const value: unknown = JSON.parse(request.rawBody.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function verifyMessagesApi(request: WebhookRequest, token: string, secret: string): Promise<VerifyResult> {
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'], currentDate: new Date(request.receivedAt), clockTolerance: toleranceSeconds }));
  } catch (error) {
    return { ok: false, reason: `the Bearer JWT does not verify with the signature secret (${(error as Error).message})` };
  }
  const claimed = claims.payload_hash;
  if (typeof claimed === 'string') {
    const actual = createHash('sha256').update(request.rawBody).digest();
    const given = Buffer.from(claimed, 'hex');
    if (given.length !== actual.length || !timingSafeEqual(actual, given)) return { ok: false, reason: 'the JWT payload_hash is not the SHA-256 of the body' };
  }
  return { ok: true };
}

export async function verifyVonage(request: WebhookRequest, channel: VonageChannelConfig): Promise<VerifyResult> {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization?.startsWith('Bearer ')) return verifyMessagesApi(request, authorization.slice(7).trim(), channel.signature_secret);

  let params: Map<string, string>;
  try {
    params = smsApiParams(request);
  } catch {
    return { ok: false, reason: 'the body cannot be read for its signature' };
  }
  // Parley's own id in the callback URL is not among what Vonage signs.
  params.delete(parleyIdParam);
  const sig = params.get('sig');
  // Vonage sends an unsigned webhook when its own signing failed, and says to answer 5xx so it retries.
  if (!sig) return { ok: false, reason: 'no sig parameter (is signing on for this account?); answered 503 so Vonage retries', retry: true };
  const expected = Buffer.from(vonageSignature(params, channel.signature_secret, channel.signature_method).toLowerCase());
  const given = Buffer.from(sig.toLowerCase());
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: `sig does not match (signature_method ${channel.signature_method}: check it is the method chosen in the Vonage dashboard)` };
  }
  const timestamp = Number(params.get('timestamp'));
  if (!Number.isFinite(timestamp) || Math.abs(request.receivedAt / 1000 - timestamp) > toleranceSeconds) {
    return { ok: false, reason: `timestamp is missing or more than ${toleranceSeconds} s from this server's clock` };
  }
  return { ok: true };
}

/** SMS API times are `YYYY-MM-DD HH:MM:SS` in UTC. */
function smsApiTime(value: string | undefined): number | null {
  if (!value) return null;
  return readTimestamp(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value) ? `${value.replace(' ', 'T')}Z` : value);
}

const smsApiStatuses: Record<string, OutboundStatus | null> = {
  accepted: 'sent',
  buffered: 'sent',
  delivered: 'delivered',
  expired: 'undelivered',
  failed: 'failed',
  rejected: 'failed',
  unknown: null,
};

const messagesApiStatuses: Record<string, OutboundStatus | null> = {
  submitted: 'sent',
  delivered: 'delivered',
  rejected: 'failed',
  undeliverable: 'undelivered',
  read: null,
};

function positiveInt(value: string | undefined, field: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new ParleyError('invalid_payload', `${field}: expected a part number`);
  return n;
}

function parseSmsApi(fields: Map<string, string>): WebhookEvent {
  const providerStatus = fields.get('status');
  if (providerStatus !== undefined) {
    if (!(providerStatus in smsApiStatuses)) throw new ParleyError('invalid_payload', `status: "${providerStatus.slice(0, 40)}" is not a Vonage delivery status`);
    const status = smsApiStatuses[providerStatus];
    if (!status) return { kind: 'ignored', reason: `delivery status ${providerStatus} says nothing new` };
    const errorCode = fields.get('err-code');
    return {
      kind: 'status',
      receipt: {
        providerMessageId: requireField(fields, 'messageId'),
        status,
        providerStatus,
        errorCode: errorCode && errorCode !== '0' ? errorCode : null,
        providerTime: smsApiTime(fields.get('message-timestamp')),
      },
    };
  }
  if (fields.get('type') === 'binary') return { kind: 'ignored', reason: 'binary messages are not read' };
  const message: InboundMessage = {
    from: readPhone(requireField(fields, 'msisdn'), 'msisdn'),
    to: readPhone(requireField(fields, 'to'), 'to'),
    body: fields.get('text') ?? '',
    mediaUrls: [],
    providerMessageId: requireField(fields, 'messageId'),
    providerTime: smsApiTime(fields.get('message-timestamp')),
  };
  if (fields.get('concat') === 'true') {
    const total = positiveInt(fields.get('concat-total'), 'concat-total');
    const index = positiveInt(fields.get('concat-part'), 'concat-part');
    if (index > total) throw new ParleyError('invalid_payload', 'concat-part: greater than concat-total');
    message.part = { reference: requireField(fields, 'concat-ref'), index, total };
  }
  return { kind: 'inbound', message };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function parseMessagesApi(body: Record<string, unknown>): WebhookEvent {
  const uuid = text(body.message_uuid);
  if (!uuid) throw new ParleyError('invalid_payload', 'message_uuid: required');
  const providerStatus = text(body.status);
  if (providerStatus !== undefined) {
    if (!(providerStatus in messagesApiStatuses)) throw new ParleyError('invalid_payload', `status: "${providerStatus.slice(0, 40)}" is not a Messages API status`);
    const status = messagesApiStatuses[providerStatus];
    if (!status) return { kind: 'ignored', reason: `status ${providerStatus} is not tracked` };
    const error = body.error as { title?: unknown } | undefined;
    return {
      kind: 'status',
      receipt: { providerMessageId: uuid, status, providerStatus, errorCode: text(error?.title) ?? null, providerTime: readTimestamp(text(body.timestamp)) },
    };
  }
  if (body.channel !== undefined && body.channel !== 'sms' && body.channel !== 'mms') return { kind: 'ignored', reason: `channel ${String(body.channel).slice(0, 20)} is not SMS` };
  const image = body.image as { url?: unknown } | undefined;
  return {
    kind: 'inbound',
    message: {
      from: readPhone(text(body.from) ?? '', 'from'),
      to: readPhone(text(body.to) ?? '', 'to'),
      body: text(body.text) ?? '',
      mediaUrls: typeof image?.url === 'string' ? [image.url] : [],
      providerMessageId: uuid,
      providerTime: readTimestamp(text(body.timestamp)),
    },
  };
}

export function parseVonage(request: WebhookRequest): WebhookEvent {
  const json = jsonObject(request);
  if (json && 'message_uuid' in json) return parseMessagesApi(json);
  return parseSmsApi(smsApiParams(request));
}

// SMS API send statuses (messages[].status): 1 is throttling, 5 an internal error; 7 "number
// barred" is Vonage's block list, which includes numbers that opted out with Vonage.
const retryableSendStatuses: Record<string, 'throttled' | 'provider_unavailable'> = { '1': 'throttled', '5': 'provider_unavailable' };
const optedOutSendStatuses = new Set(['7']);

export const defaultVonageApiUrl = 'https://rest.nexmo.com';

async function send(message: OutboundRequest, channel: VonageChannelConfig): Promise<SendResult> {
  const form = new URLSearchParams({
    api_key: channel.api_key,
    api_secret: channel.api_secret,
    from: message.from.replace(/^\+/, ''),
    to: message.to.replace(/^\+/, ''),
    text: message.body,
    'client-ref': message.id,
  });
  if (countSegments(message.body).encoding === 'UCS-2') form.set('type', 'unicode');
  if (message.statusCallbackUrl) {
    form.set('callback', message.statusCallbackUrl);
    form.set('status-report-req', '1');
  }
  const reply = await callProvider({
    url: `${channel.api_url ?? defaultVonageApiUrl}/sms/json`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    timeout: channel.send_timeout,
  });
  // A 200 may still refuse: each part has its own status, "0" meaning accepted.
  const parts = (reply.json as { messages?: Array<Record<string, unknown>> } | undefined)?.messages;
  if (!Array.isArray(parts) || parts.length === 0) throw new SendError('invalid_response', 'Vonage answered without messages[]');
  const refused = parts.find((p) => text(p.status) !== '0');
  if (refused) {
    const code = text(refused.status) ?? 'unknown';
    const detail = `Vonage refused the message: status ${code}${typeof refused['error-text'] === 'string' ? ` (${refused['error-text']})` : ''}`;
    const retry = retryableSendStatuses[code];
    if (retry) throw new SendError(retry, detail, code);
    throw new SendError(optedOutSendStatuses.has(code) ? 'recipient_opted_out' : 'rejected', detail, code);
  }
  // A long text goes out as several parts; the first part's id stands for the message.
  const id = text(parts[0]!['message-id']);
  if (!id) throw new SendError('invalid_response', 'Vonage answered without a message-id');
  return { providerMessageId: id, status: 'sent' };
}

export const vonageAdapter: ProviderAdapter<VonageChannelConfig> = {
  verify: (request, channel) => verifyVonage(request, channel),
  parse: (request) => parseVonage(request),
  send,
};
