import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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
  type WebhookPath,
  type WebhookRequest,
} from '../contract.js';
import { headerValue } from '../hmac.js';
import { signedUrlMismatch } from '../signed-url.js';
import { basicAuth, callProvider, type RefusalReader } from '../provider-http.js';
import { firstValues, formParams, isForm, queryParams, readPhone, requireField, type Params } from '../webhook-body.js';
import type { TwilioChannelConfig } from './config.js';

// Twilio Programmable Messaging: form-encoded webhooks signed with HMAC-SHA1 over the URL Twilio
// called plus the sorted parameters; sends through the REST API with Basic auth.

/**
 * The bytes Twilio signs: the URL, then every parameter name followed by its value, names in
 * code-unit order; a repeated name contributes each distinct value, sorted.
 */
export function twilioSigningInput(url: string, params: Params): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of params) {
    const values = byName.get(name) ?? new Set<string>();
    values.add(value);
    byName.set(name, values);
  }
  let data = url;
  for (const name of [...byName.keys()].sort()) {
    for (const value of [...byName.get(name)!].sort()) data += name + value;
  }
  return data;
}

/**
 * The URL forms Twilio's own libraries accept: as called, without the port, and with the scheme's
 * default port added (Twilio has signed with each, depending on how the webhook URL was entered).
 */
export function urlVariants(url: string): string[] {
  const match = /^(https?):\/\/([^/?#@]*@)?([^/?#:]+)(?::(\d+))?(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, credentials = '', host, port, rest] = match;
  const defaultPort = scheme!.toLowerCase() === 'https' ? '443' : '80';
  const withoutPort = `${scheme}://${credentials}${host}${rest}`;
  const withPort = `${scheme}://${credentials}${host}:${port ?? defaultPort}${rest}`;
  return [...new Set([url, withoutPort, withPort])];
}

function signatureMatches(authToken: string, data: string, presented: Buffer): boolean {
  const expected = createHmac('sha1', authToken).update(data, 'utf8').digest();
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

export function verifyTwilio(request: WebhookRequest, authToken: string): VerifyResult {
  const header = headerValue(request.headers, 'x-twilio-signature');
  if (!header) return { ok: false, reason: 'X-Twilio-Signature header is missing' };
  const presented = Buffer.from(header.trim(), 'base64');

  // JSON bodies: the URL carries bodySHA256, the signature covers the URL alone.
  const bodyHash = firstValues(queryParams(request)).get('bodySHA256');
  const params = bodyHash !== undefined || request.method === 'GET' || !isForm(request) ? [] : safeFormParams(request);
  const signedOver = (url: string) =>
    urlVariants(url).some((variant) => signatureMatches(authToken, twilioSigningInput(variant, params), presented));
  if (!signedOver(request.publicUrl)) {
    return { ok: false, reason: `X-Twilio-Signature does not match; ${signedUrlMismatch('Twilio', request.publicUrl, signedOver)}` };
  }
  if (bodyHash !== undefined) {
    const actual = createHash('sha256').update(request.rawBody).digest();
    const claimed = Buffer.from(bodyHash, 'hex');
    if (claimed.length !== actual.length || !timingSafeEqual(actual, claimed))
      return { ok: false, reason: 'bodySHA256 does not match the SHA-256 of the body' };
  }
  return { ok: true };
}

function safeFormParams(request: WebhookRequest): Params {
  try {
    return formParams(request);
  } catch {
    return [];
  }
}

/** GET webhooks carry their parameters in the query; POST ones in the form body. */
function webhookFields(request: WebhookRequest): Map<string, string> {
  return firstValues(request.method === 'GET' ? queryParams(request) : formParams(request));
}

function parseInbound(fields: Map<string, string>): InboundMessage {
  const mediaCount = Math.min(Number(fields.get('NumMedia') ?? '0') || 0, 32);
  const mediaUrls: string[] = [];
  for (let i = 0; i < mediaCount; i++) {
    const url = fields.get(`MediaUrl${i}`);
    if (url) mediaUrls.push(url);
  }
  return {
    from: readPhone(requireField(fields, 'From'), 'From'),
    to: readPhone(requireField(fields, 'To'), 'To'),
    body: fields.get('Body') ?? '',
    mediaUrls,
    providerMessageId: requireField(fields, 'MessageSid'),
    // Twilio's inbound webhook carries no time of its own.
    providerTime: null,
  };
}

/**
 * Twilio's MessageStatus values, in Parley's set; null for the ones Parley does not track. A Map,
 * not an object literal: the provider's word is looked up, and `constructor` or `__proto__` must
 * not find an object's inherited properties.
 */
const statusMap = new Map<string, OutboundStatus | null>([
  ['accepted', 'queued'],
  ['scheduled', 'queued'],
  ['queued', 'queued'],
  ['sending', 'sending'],
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['undelivered', 'undelivered'],
  ['failed', 'failed'],
  ['canceled', 'failed'],
  // Some recipients of a group MMS did not get it: not a delivered message.
  ['partially_delivered', 'undelivered'],
  // After delivered (WhatsApp, RCS); the message's status is already final.
  ['read', null],
  // Statuses of inbound messages.
  ['receiving', null],
  ['received', null],
]);

// Twilio's REST error codes that mean the recipient opted out (replied STOP to this sender).
const optedOutCodes = new Set(['21610']);

function parseStatus(fields: Map<string, string>): WebhookEvent {
  const providerStatus = requireField(fields, 'MessageStatus');
  const status = statusMap.get(providerStatus);
  if (status === undefined)
    throw new ParleyError('invalid_payload', `MessageStatus: "${providerStatus.slice(0, 40)}" is not a Twilio message status`);
  if (!status) return { kind: 'ignored', reason: `MessageStatus ${providerStatus} is not tracked` };
  const errorCode = fields.get('ErrorCode');
  const receipt: StatusReceipt = {
    providerMessageId: requireField(fields, 'MessageSid'),
    status,
    providerStatus,
    errorCode: errorCode && errorCode !== '0' ? errorCode : null,
    providerTime: null,
  };
  // A send through a Messaging Service is accepted first and fails later with the opt-out code.
  if (status === 'failed' && errorCode !== undefined && optedOutCodes.has(errorCode)) receipt.recipientOptedOut = true;
  return { kind: 'status', receipt };
}

export function parseTwilio(request: WebhookRequest, path: WebhookPath): WebhookEvent {
  const fields = webhookFields(request);
  // On the shared URL, a receipt is what carries MessageStatus (inbound messages carry SmsStatus=received).
  const isReceipt = path === 'status' || (path === 'events' && fields.has('MessageStatus'));
  return isReceipt ? parseStatus(fields) : { kind: 'inbound', message: parseInbound(fields) };
}

const readRefusal: RefusalReader = (reply) => {
  const error = reply.json as { code?: unknown; message?: unknown } | undefined;
  const code = typeof error?.code === 'string' || typeof error?.code === 'number' ? String(error.code) : null;
  return {
    code,
    ...(typeof error?.message === 'string' ? { message: error.message } : {}),
    optedOut: code !== null && optedOutCodes.has(code),
  };
};

export const defaultTwilioApiUrl = 'https://api.twilio.com';

async function send(message: OutboundRequest, channel: TwilioChannelConfig): Promise<SendResult> {
  const form = new URLSearchParams({ To: message.to, Body: message.body });
  if (channel.messaging_service_sid) form.set('MessagingServiceSid', channel.messaging_service_sid);
  else form.set('From', message.from);
  for (const url of message.mediaUrls) form.append('MediaUrl', url);
  if (message.statusCallbackUrl) form.set('StatusCallback', message.statusCallbackUrl);

  const reply = await callProvider(
    {
      seen: message.seen,
      url: `${channel.api_url ?? defaultTwilioApiUrl}/2010-04-01/Accounts/${channel.account_sid}/Messages.json`,
      headers: { authorization: basicAuth(channel.account_sid, channel.auth_token), 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      timeout: channel.send_timeout,
    },
    readRefusal,
  );
  const created = reply.json as { sid?: unknown; status?: unknown } | undefined;
  if (typeof created?.sid !== 'string' || created.sid === '')
    throw new SendError('invalid_response', 'Twilio answered without a message sid');
  const status = typeof created.status === 'string' ? statusMap.get(created.status) : undefined;
  return { providerMessageId: created.sid, status: status ?? 'queued' };
}

export const twilioAdapter: ProviderAdapter<TwilioChannelConfig> = {
  signature: 'X-Twilio-Signature: HMAC-SHA1 of URL and parameters',
  verify: (request, channel) => verifyTwilio(request, channel.auth_token),
  parse: (request, _channel, path) => parseTwilio(request, path),
  send,
  // Empty TwiML: Parley replies through the REST API, never in the webhook's answer.
  answer: { status: 200, contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' },
};
