import type { OutboundStatus } from '../../core/message-status.js';
import { countSegments } from '../../core/segments.js';
import { ParleyError } from '../../errors.js';
import {
  SendError,
  type InboundMessage,
  type MessagePart,
  type OutboundRequest,
  type ProviderAdapter,
  type SendErrorKind,
  type SendResult,
  type StatusReceipt,
  type WebhookEvent,
  type WebhookRequest,
} from '../contract.js';
import { callProvider, type ProviderReply, type RefusalReader } from '../provider-http.js';
import { firstValues, readPhone, readTimestamp, requireField } from '../webhook-body.js';
import { readVonageBody } from './body.js';
import type { VonageChannelConfig } from './config.js';
import { messagesApiInbound, messagesApiReceipt } from './messages-api.js';
import { verifyVonage } from './verify.js';

// Vonage calls with two webhook styles, and one account may use both:
// - the SMS API (the former Nexmo API): inbound messages and delivery receipts as a GET query, a
//   form POST or a JSON POST, signed with a `sig` parameter when the account signs webhooks;
// - the Messages API: JSON, signed with an `Authorization: Bearer` JWT (HS256).
// Both are signed with the account's one signature secret. Sends go through the SMS API.

export const defaultVonageApiUrl = 'https://rest.nexmo.com';

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
  if (!/^\d{1,3}$/.test(value) || n < 1 || n > 255)
    throw new ParleyError('invalid_payload', `${name}: "${value.slice(0, 20)}" is not a part number (1-255)`);
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
  if (!smsApiStatuses.has(providerStatus))
    throw new ParleyError('invalid_payload', `status: "${providerStatus.slice(0, 40)}" is not a Vonage delivery receipt status`);
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
  return {
    code: refused.status,
    ...(refused.errorText ? { message: refused.errorText } : {}),
    optedOut: sendStatusKinds.get(refused.status) === 'recipient_opted_out',
  };
};

function refusalError(refused: SentPart, parts: SentPart[]): SendError {
  const code = refused.status ?? 'unknown';
  const detail = `Vonage refused the message: status ${code}${refused.errorText ? ` (${refused.errorText.slice(0, 200)})` : ''}`;
  const accepted = parts.filter((part) => part.status === '0').length;
  if (accepted > 0) {
    // Sending again would repeat the parts that did go out; the message fails as it stands.
    return new SendError(
      'rejected',
      `${detail} after accepting ${accepted} of its ${parts.length} parts; not sent again, which would repeat those`,
      code,
    );
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
  if (message.mediaUrls.length > 0)
    throw new SendError('rejected', 'the Vonage SMS API sends text only, and this message has media', 'media_not_supported');
  const reply = await callProvider(
    {
      seen: message.seen,
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
  if (ids.some((id) => !id))
    throw new SendError('invalid_response', 'Vonage accepted the message but answered without a message-id for every part');
  const partIds = ids as string[];
  return { providerMessageId: partIds[0]!, status: 'sent', ...(partIds.length > 1 ? { partIds } : {}) };
}

export const vonageAdapter: ProviderAdapter<VonageChannelConfig> = {
  signature: 'Authorization: Bearer JWT, or the signed sig parameter',
  verify: (request, channel) => verifyVonage(request, channel),
  parse: (request) => parseVonage(request),
  send,
};
