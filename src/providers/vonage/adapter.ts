import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
import { countSegments } from '../../core/segments.js';
import { ParleyError } from '../../errors.js';
import {
  parleyIdParam,
  SendError,
  type InboundMessage,
  type MessagePart,
  type OutboundRequest,
  type ProviderAdapter,
  type SendErrorKind,
  type SendResult,
  type StatusReceipt,
  type VerifyResult,
  type WebhookEvent,
  type WebhookRequest,
} from '../contract.js';
import { headerValue } from '../hmac.js';
import { callProvider, type ProviderReply, type RefusalReader } from '../provider-http.js';
import { firstValues, formParams, isForm, isJson, queryParams, readJsonBody, readPhone, readTimestamp, requireField, type Params } from '../webhook-body.js';
import type { VonageChannelConfig } from './config.js';

// Vonage calls with two webhook styles, and one account may use both:
// - the SMS API (the former Nexmo API): inbound messages and delivery receipts as a GET query, a
//   form POST or a JSON POST, signed with a `sig` parameter when the account signs webhooks;
// - the Messages API: JSON, signed with an `Authorization: Bearer` JWT (HS256).
// Both are signed with the account's one signature secret. Sends go through the SMS API.

export const defaultVonageApiUrl = 'https://rest.nexmo.com';

/** How far a signed webhook's time may be from this server's clock. Vonage publishes no window; 5 minutes is Parley's choice. */
const windowSeconds = 300;

type SignatureMethod = VonageChannelConfig['signature_method'];

// ---------------------------------------------------------------------------------------------
// Reading the body, shared by verify and parse so both see the same parameters.

/** A webhook's content: a Messages API JSON object, or the SMS API's flat parameters. */
type VonageBody = { api: 'messages'; json: Record<string, unknown> } | { api: 'sms'; params: Params };

const jsonObject = z.record(z.string(), z.unknown());

function readVonageBody(request: WebhookRequest): VonageBody {
  if (request.rawBody.length === 0) {
    // A GET: the parameters are the query's. parley_id is Parley's own, put in the callback URL
    // it gives Vonage; Vonage neither sends nor signs it.
    return { api: 'sms', params: queryParams(request).filter(([name]) => name !== parleyIdParam) };
  }
  // A POST: Vonage signs what it sends, the body; the query is the URL Parley gave it.
  if (isForm(request)) return { api: 'sms', params: formParams(request) };
  if (isJson(request)) {
    const json = readJsonBody(request, jsonObject);
    return 'message_uuid' in json ? { api: 'messages', json } : { api: 'sms', params: flatParams(json) };
  }
  throw new ParleyError('unsupported_media_type', `Vonage webhooks are a query string, a form or JSON; got ${request.contentType ?? 'no content type'}.`);
}

/** An SMS API JSON body as parameters. Its values are strings; anything nested is not an SMS API field. */
function flatParams(json: Record<string, unknown>): Params {
  return Object.entries(json).flatMap(([name, value]): Params =>
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? [[name, String(value)]] : [],
  );
}

// ---------------------------------------------------------------------------------------------
// Verifying

/**
 * Vonage's `sig`: every parameter but `sig`, sorted by name, each as `&name=value` with any `&`
 * and `=` inside the value replaced by `_`; then the MD5 of that plus the secret (`md5hash`), or
 * an HMAC of it keyed with the secret. Lower-case hex (Vonage's PHP SDK upper-cases HMACs; the
 * comparison ignores case).
 */
export function vonageSignature(params: ReadonlyMap<string, string>, secret: string, method: SignatureMethod): string {
  const input = [...params.keys()]
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${params.get(name)!.replace(/[&=]/g, '_')}`)
    .join('');
  if (method === 'md5hash') return createHash('md5').update(input + secret).digest('hex');
  return createHmac(method, secret).update(input).digest('hex');
}

/** Compares hex digests in constant time, without regard to case; anything not hex is unequal. */
function hexEquals(presented: string, expectedHex: string): boolean {
  if (!/^[0-9a-fA-F]+$/.test(presented) || presented.length !== expectedHex.length) return false;
  return timingSafeEqual(Buffer.from(presented.toLowerCase(), 'hex'), Buffer.from(expectedHex.toLowerCase(), 'hex'));
}

function secondsAway(seconds: number, receivedAt: number): number {
  return Math.abs(receivedAt / 1000 - seconds);
}

function firstRepeatedName(params: Params): string | undefined {
  const seen = new Set<string>();
  for (const [name] of params) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

const unsignedAdvice =
  'Vonage sends a webhook unsigned only when its own signing failed, so Parley answered 503 for Vonage to send it again. ' +
  'If every webhook arrives unsigned, signed webhooks are off for this account: turn them on (Dashboard → API settings), or set the channel to verify: monitor while setting up.';

function verifySig(params: Params, receivedAt: number, channel: VonageChannelConfig): VerifyResult {
  // Parsing reads the first of a repeated name; a signature over another reading would not cover it.
  const repeated = firstRepeatedName(params);
  if (repeated !== undefined) return { ok: false, reason: `parameter "${repeated.slice(0, 40)}" appears more than once; Vonage never repeats one` };
  const fields = new Map(params);
  const sig = fields.get('sig');
  if (!sig) return { ok: false, retry: true, reason: `no sig parameter. ${unsignedAdvice}` };
  if (!hexEquals(sig, vonageSignature(fields, channel.signature_secret, channel.signature_method))) {
    const names = [...fields.keys()].filter((name) => name !== 'sig').map((name) => name.slice(0, 40));
    return {
      ok: false,
      reason:
        `sig does not match: checked as ${channel.signature_method} over the ${names.length} parameters received (${names.slice(0, 20).join(', ')}) with the channel's signature_secret. ` +
        'Check that signature_method is the method chosen in the Vonage dashboard and that signature_secret is the current one.',
    };
  }
  // Vonage's docs list timestamp as optional; when it is there, it is signed, and it must be recent.
  const timestamp = fields.get('timestamp');
  if (timestamp !== undefined && (!/^\d{1,12}$/.test(timestamp) || secondsAway(Number(timestamp), receivedAt) > windowSeconds)) {
    return {
      ok: false,
      reason: `timestamp ${timestamp.slice(0, 20)} is more than ${windowSeconds} s from this server's clock (${Math.floor(receivedAt / 1000)}): a replayed webhook, or a clock that is off`,
    };
  }
  return { ok: true };
}

function bearerToken(request: WebhookRequest): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headerValue(request.headers, 'authorization') ?? '');
  return match ? match[1]! : null;
}

function sha256HexMatches(body: Buffer, presented: string): boolean {
  return hexEquals(presented, createHash('sha256').update(body).digest('hex'));
}

/**
 * A Messages API webhook: a JWT signed HS256 with the signature secret (whatever
 * `signature_method` says), whose `payload_hash` is the hex SHA-256 of the body and whose `iat`
 * is recent.
 */
async function verifyJwt(request: WebhookRequest, token: string, secret: string): Promise<VerifyResult> {
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'], currentDate: new Date(request.receivedAt) }));
  } catch (error) {
    return {
      ok: false,
      reason: `the Authorization Bearer JWT does not verify as HS256 with the channel's signature_secret (${(error as Error).message}); Vonage signs Messages API webhooks with the account's signature secret`,
    };
  }
  const payloadHash = claims.payload_hash;
  if (typeof payloadHash !== 'string') return { ok: false, reason: 'the JWT has no payload_hash claim, so nothing ties it to this body' };
  if (!sha256HexMatches(request.rawBody, payloadHash)) return { ok: false, reason: 'the JWT payload_hash is not the SHA-256 of the body: the body changed after Vonage signed it' };
  if (typeof claims.iat !== 'number' || secondsAway(claims.iat, request.receivedAt) > windowSeconds) {
    return {
      ok: false,
      reason: `the JWT was issued (iat ${String(claims.iat ?? 'missing')}) more than ${windowSeconds} s from this server's clock (${Math.floor(request.receivedAt / 1000)}): a replayed webhook, or a clock that is off`,
    };
  }
  return { ok: true };
}

export async function verifyVonage(request: WebhookRequest, channel: VonageChannelConfig): Promise<VerifyResult> {
  const token = bearerToken(request);
  if (token !== null) return verifyJwt(request, token, channel.signature_secret);
  let body: VonageBody;
  try {
    body = readVonageBody(request);
  } catch (error) {
    return { ok: false, reason: `the body cannot be read, so its signature cannot be checked (${(error as Error).message})` };
  }
  if (body.api === 'messages') return { ok: false, retry: true, reason: `a Messages API webhook without an Authorization: Bearer JWT. ${unsignedAdvice}` };
  return verifySig(body.params, request.receivedAt, channel);
}

// ---------------------------------------------------------------------------------------------
// Parsing: the SMS API

/** SMS API delivery receipt statuses; null: nothing Parley tracks. */
const smsApiStatuses = new Map<string, OutboundStatus | null>([
  ['accepted', 'sent'],
  ['buffered', 'sent'],
  ['delivered', 'delivered'],
  ['expired', 'undelivered'],
  ['failed', 'failed'],
  ['rejected', 'failed'],
  ['unknown', null],
]);

/** SMS API times are `YYYY-MM-DD HH:MM:SS` in UTC. */
function smsApiTime(value: string | undefined): number | null {
  if (!value) return null;
  const utc = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)$/.exec(value);
  return readTimestamp(utc ? `${utc[1]}T${utc[2]}Z` : value);
}

function partNumber(fields: Map<string, string>, name: string): number {
  const value = requireField(fields, name);
  const n = Number(value);
  if (!/^\d{1,3}$/.test(value) || n < 1 || n > 255) throw new ParleyError('invalid_payload', `${name}: "${value.slice(0, 20)}" is not a part number (1-255)`);
  return n;
}

/** One part of a long inbound message, which Vonage may deliver part by part. */
function concatPart(fields: Map<string, string>): MessagePart | undefined {
  if (fields.get('concat') !== 'true') return undefined;
  const total = partNumber(fields, 'concat-total');
  const index = partNumber(fields, 'concat-part');
  if (index > total) throw new ParleyError('invalid_payload', `concat-part: ${index} is greater than concat-total ${total}`);
  return { reference: requireField(fields, 'concat-ref'), index, total };
}

function smsApiInbound(fields: Map<string, string>): WebhookEvent {
  if (fields.get('type') === 'binary') return { kind: 'ignored', reason: 'a binary SMS (type=binary); Parley reads text messages only' };
  const message: InboundMessage = {
    from: readPhone(requireField(fields, 'msisdn'), 'msisdn'),
    to: readPhone(requireField(fields, 'to'), 'to'),
    body: fields.get('text') ?? '',
    mediaUrls: [],
    providerMessageId: requireField(fields, 'messageId'),
    providerTime: smsApiTime(fields.get('message-timestamp')),
  };
  const part = concatPart(fields);
  if (part) message.part = part;
  return { kind: 'inbound', message };
}

function smsApiReceipt(fields: Map<string, string>, providerStatus: string): WebhookEvent {
  if (!smsApiStatuses.has(providerStatus)) throw new ParleyError('invalid_payload', `status: "${providerStatus.slice(0, 40)}" is not a Vonage delivery receipt status`);
  const status = smsApiStatuses.get(providerStatus);
  if (!status) return { kind: 'ignored', reason: `delivery receipt status ${providerStatus}: Vonage has no information` };
  const errorCode = fields.get('err-code');
  const receipt: StatusReceipt = {
    providerMessageId: requireField(fields, 'messageId'),
    status,
    providerStatus,
    // err-code 0 is "delivered", not an error.
    errorCode: errorCode && errorCode !== '0' ? errorCode : null,
    providerTime: smsApiTime(fields.get('message-timestamp')),
  };
  const clientRef = fields.get('client-ref');
  if (clientRef) receipt.parleyMessageId = clientRef; // Parley's message id, set on the send
  // Vonage blocks a number that opted out with it and says so only here: a failed or rejected
  // receipt with err-code 9 ("Messaging Opted-out Numbers", developer.vonage.com).
  if (errorCode === optedOutErrCode && status === 'failed') receipt.recipientOptedOut = true;
  return { kind: 'status', receipt };
}

const optedOutErrCode = '9';

function parseSmsApi(fields: Map<string, string>): WebhookEvent {
  // Only delivery receipts carry a status.
  const status = fields.get('status');
  return status === undefined ? smsApiInbound(fields) : smsApiReceipt(fields, status);
}

// ---------------------------------------------------------------------------------------------
// Parsing: the Messages API

const messagesApiStatuses = new Map<string, OutboundStatus | null>([
  ['submitted', 'sent'],
  ['delivered', 'delivered'],
  ['rejected', 'failed'],
  ['undeliverable', 'undelivered'],
  ['read', null],
]);

const timestamp = z.string().max(64).nullish();
const media = z.object({ url: z.string().max(2048) }).nullish();

const messagesStatusSchema = z.object({
  message_uuid: z.string().min(1).max(256),
  status: z.string().max(64),
  timestamp,
  error: z.object({ title: z.union([z.string().max(64), z.number()]).nullish() }).nullish(),
});

const messagesInboundSchema = z.object({
  message_uuid: z.string().min(1).max(256),
  channel: z.string().max(32),
  from: z.string().max(64),
  to: z.string().max(64),
  text: z.string().max(65_536).nullish(),
  timestamp,
  image: media,
  audio: media,
  video: media,
  file: media,
  vcard: media,
});

function messagesApiReceipt(request: WebhookRequest): WebhookEvent {
  const body = readJsonBody(request, messagesStatusSchema);
  if (!messagesApiStatuses.has(body.status)) throw new ParleyError('invalid_payload', `status: "${body.status.slice(0, 40)}" is not a Messages API status`);
  const status = messagesApiStatuses.get(body.status);
  if (!status) return { kind: 'ignored', reason: `Messages API status ${body.status} is not tracked` };
  const title = body.error?.title;
  return {
    kind: 'status',
    receipt: {
      providerMessageId: body.message_uuid,
      status,
      providerStatus: body.status,
      errorCode: title === undefined || title === null || title === '' ? null : String(title),
      providerTime: readTimestamp(body.timestamp),
    },
  };
}

function messagesApiInbound(request: WebhookRequest, channel: unknown): WebhookEvent {
  if (typeof channel === 'string' && channel !== 'sms' && channel !== 'mms') {
    return { kind: 'ignored', reason: `a Messages API message on channel ${channel.slice(0, 20)}; Parley reads sms and mms` };
  }
  const body = readJsonBody(request, messagesInboundSchema);
  const mediaUrls = [body.image, body.audio, body.video, body.file, body.vcard].flatMap((m) => (m && /^https?:\/\//i.test(m.url) ? [m.url] : []));
  return {
    kind: 'inbound',
    message: {
      from: readPhone(body.from, 'from'),
      to: readPhone(body.to, 'to'),
      body: body.text ?? '',
      mediaUrls,
      providerMessageId: body.message_uuid,
      providerTime: readTimestamp(body.timestamp),
    },
  };
}

/** Reads a Vonage webhook by its content, whichever URL it came to: receipts carry a status, messages do not. */
export function parseVonage(request: WebhookRequest): WebhookEvent {
  const body = readVonageBody(request);
  if (body.api === 'sms') return parseSmsApi(firstValues(body.params));
  return 'status' in body.json ? messagesApiReceipt(request) : messagesApiInbound(request, body.json.channel);
}

// ---------------------------------------------------------------------------------------------
// Sending through the SMS API

/**
 * What a non-zero `messages[].status` means for the send job (developer.vonage.com "SMS API
 * error codes"); every code not listed refuses the message for good.
 */
const sendStatusKinds = new Map<string, SendErrorKind>([
  ['1', 'throttled'], // Throttled: faster than the account's limit.
  ['5', 'provider_unavailable'], // Internal error.
  ['7', 'recipient_opted_out'], // Number barred: on Vonage's list of numbers that may not receive.
  ['10', 'throttled'], // Too many existing binds: back off and retry.
]);

interface SentPart {
  status: string | null;
  messageId: string | null;
  errorText: string | null;
}

function textOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  return typeof value === 'number' ? String(value) : null;
}

/** The answer's `messages[]`, one per part of the text; null when it has none. */
function sentParts(json: unknown): SentPart[] | null {
  const messages = (json as { messages?: unknown } | null | undefined)?.messages;
  if (!Array.isArray(messages) || messages.length === 0) return null;
  return messages.map((part: unknown) => {
    const fields = (part ?? {}) as Record<string, unknown>;
    return { status: textOf(fields.status), messageId: textOf(fields['message-id']), errorText: textOf(fields['error-text']) };
  });
}

/** For an answer outside 2xx that still has the SMS API's shape. */
const readRefusal: RefusalReader = (reply: ProviderReply) => {
  const refused = sentParts(reply.json)?.find((part) => part.status !== '0');
  if (!refused?.status) return { code: null };
  return { code: refused.status, ...(refused.errorText ? { message: refused.errorText } : {}), optedOut: sendStatusKinds.get(refused.status) === 'recipient_opted_out' };
};

function refusalError(refused: SentPart, parts: SentPart[]): SendError {
  const code = refused.status ?? 'unknown';
  const detail = `Vonage refused the message: status ${code}${refused.errorText ? ` (${refused.errorText.slice(0, 200)})` : ''}`;
  const accepted = parts.filter((part) => part.status === '0').length;
  if (accepted > 0) {
    // Sending again would repeat the parts that did go out; the message fails as it stands.
    return new SendError('rejected', `${detail} after accepting ${accepted} of its ${parts.length} parts; not sent again, which would repeat those`, code);
  }
  return new SendError(sendStatusKinds.get(code) ?? 'rejected', detail, code);
}

function sendForm(message: OutboundRequest, channel: VonageChannelConfig): URLSearchParams {
  const form = new URLSearchParams({
    api_key: channel.api_key,
    api_secret: channel.api_secret,
    // The SMS API takes numbers without the leading +.
    from: message.from.replace(/^\+/, ''),
    to: message.to.replace(/^\+/, ''),
    text: message.body,
    'client-ref': message.id,
  });
  // Without type=unicode, Vonage sends the text as GSM-7 and characters outside it are lost.
  if (countSegments(message.body).encoding === 'UCS-2') form.set('type', 'unicode');
  if (message.statusCallbackUrl) {
    form.set('callback', message.statusCallbackUrl);
    form.set('status-report-req', '1');
  }
  return form;
}

async function send(message: OutboundRequest, channel: VonageChannelConfig): Promise<SendResult> {
  if (message.mediaUrls.length > 0) throw new SendError('rejected', 'the Vonage SMS API sends text only, and this message has media', 'media_not_supported');
  const reply = await callProvider(
    {
      url: `${channel.api_url ?? defaultVonageApiUrl}/sms/json`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: sendForm(message, channel).toString(),
      timeout: channel.send_timeout,
    },
    readRefusal,
  );
  // The SMS API answers 200 even when it refuses: each part has its own status, "0" accepted.
  const parts = sentParts(reply.json);
  if (!parts) throw new SendError('invalid_response', 'Vonage answered without messages[]');
  const refused = parts.find((part) => part.status !== '0');
  if (refused) throw refusalError(refused, parts);
  // A long text goes out as several parts, each with its own id and its own receipts.
  const ids = parts.map((part) => part.messageId);
  if (ids.some((id) => !id)) throw new SendError('invalid_response', 'Vonage accepted the message but answered without a message-id for every part');
  const partIds = ids as string[];
  return { providerMessageId: partIds[0]!, status: 'sent', ...(partIds.length > 1 ? { partIds } : {}) };
}

export const vonageAdapter: ProviderAdapter<VonageChannelConfig> = {
  verify: (request, channel) => verifyVonage(request, channel),
  parse: (request) => parseVonage(request),
  send,
};
