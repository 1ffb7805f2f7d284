import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
import { countryOf, toE164FromHandset } from '../../core/phone.js';
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
import { headerValue, hmacSha256HexMatches } from '../hmac.js';
import { callProvider, type RefusalReader } from '../provider-http.js';
import { readJsonBody, readTimestamp } from '../webhook-body.js';
import type { TextbeeChannelConfig } from './config.js';

// textbee (an Android phone behind textbee.dev): JSON webhooks signed with X-Signature = hex
// HMAC-SHA256 of the body under the webhook's signing secret. textbee signs no time, so a replayed
// notification is recognised by its idempotencyKey (kept across textbee's own retries).

export const defaultTextbeeApiUrl = 'https://api.textbee.dev';

export function verifyTextbee(request: WebhookRequest, secret: string): VerifyResult {
  const signature = headerValue(request.headers, 'x-signature')?.trim();
  if (!signature)
    return {
      ok: false,
      reason: 'X-Signature header is missing; textbee signs every webhook it sends, so this did not come from a textbee webhook',
    };
  // textbee signs JSON.stringify(payload) and posts the same serialisation: the raw body is what it signed.
  return hmacSha256HexMatches(secret, request.rawBody, signature)
    ? { ok: true }
    : {
        ok: false,
        reason:
          "X-Signature does not match HMAC-SHA256 of the body under the channel's signing_secret; it must equal the signing secret of the textbee webhook",
      };
}

const id = z.string().min(1).max(128);
const time = z.string().max(64).nullish();

/** The fields textbee's server puts in a notification (api/src/webhook/webhook.service.ts). */
const notificationSchema = z.object({
  webhookEvent: z.string().max(64),
  smsId: id,
  idempotencyKey: id.nullish(),
  message: z.string().max(65_536).nullish(),
  sender: z.string().max(64).nullish(),
  recipient: z.string().max(64).nullish(),
  smsBatchId: id.nullish(),
  errorCode: z.union([z.string().max(128), z.number()]).nullish(),
  errorMessage: z.string().max(500).nullish(),
  receivedAt: time,
  sentAt: time,
  deliveredAt: time,
  failedAt: time,
});

type Notification = z.output<typeof notificationSchema>;

// Maps, not object literals: textbee's event name is looked up, and `constructor` or `__proto__`
// must not find an object's inherited properties.
const receiptEvents = new Map<string, { status: OutboundStatus; time: (n: Notification) => string | null | undefined }>([
  ['MESSAGE_SENT', { status: 'sent', time: (n) => n.sentAt }],
  ['MESSAGE_DELIVERED', { status: 'delivered', time: (n) => n.deliveredAt }],
  ['MESSAGE_FAILED', { status: 'failed', time: (n) => n.failedAt }],
]);

/** Events textbee sends that say nothing Parley can act on, and why. */
const unusedEvents = new Map<string, string>([
  // textbee heard nothing from the phone for 20 minutes: the message keeps its status.
  ['UNKNOWN_STATE', 'UNKNOWN_STATE: textbee has no report from the phone; the message keeps its status'],
  // Sent with the SMS as it was before the update and no status field: nothing to map.
  ['SMS_STATUS_UPDATED', 'SMS_STATUS_UPDATED carries no status to map; MESSAGE_SENT/DELIVERED/FAILED do'],
]);

export function parseTextbee(request: WebhookRequest, channel: TextbeeChannelConfig): WebhookEvent {
  const notification = readJsonBody(request, notificationSchema);
  const event = notification.webhookEvent;
  if (event === 'MESSAGE_RECEIVED') return { kind: 'inbound', message: receivedMessage(notification, channel) };
  const receipt = receiptEvents.get(event);
  if (receipt) return { kind: 'status', receipt: receiptOf(notification, receipt.status, receipt.time(notification)) };
  return { kind: 'ignored', reason: unusedEvents.get(event) ?? `event "${event.slice(0, 40)}" is not used` };
}

function receivedMessage(n: Notification, channel: TextbeeChannelConfig): InboundMessage {
  if (typeof n.message !== 'string') throw new ParleyError('invalid_payload', 'message: required');
  // The phone reports the sender as it shows it: a national number is one of the phone's own country.
  const sender = n.sender ?? '';
  const from = toE164FromHandset(sender, countryOf(channel.numbers[0]!));
  if (!from) throw new ParleyError('invalid_phone_number', `sender: "${sender.slice(0, 40)}" is not a phone number.`);
  return {
    from,
    // textbee does not say which number received the message: the channel's (one phone per channel).
    to: channel.numbers[0]!,
    body: n.message,
    mediaUrls: [],
    providerMessageId: n.smsId,
    providerTime: readTimestamp(n.receivedAt),
  };
}

function receiptOf(n: Notification, status: OutboundStatus, time: string | null | undefined): StatusReceipt {
  const errorCode = n.errorCode ?? n.errorMessage;
  return {
    // Parley sends to one recipient per request, so the batch id textbee answers with names the message.
    providerMessageId: n.smsBatchId ?? n.smsId,
    status,
    providerStatus: n.webhookEvent,
    errorCode: status === 'failed' && errorCode !== undefined && errorCode !== null ? String(errorCode) : null,
    providerTime: readTimestamp(time),
    ...(n.idempotencyKey ? { notificationId: n.idempotencyKey } : {}),
  };
}

/** The queued answer (textbee-js `SendSmsQueuedResponse`), inside textbee's `{data}` wrapper. */
const sendResponseSchema = z.object({ data: z.object({ smsBatchId: id }) });

/** textbee refuses with `{"error": "…"}` (gateway) or `{"message": "…"}` (NestJS). */
const readRefusal: RefusalReader = (reply) => {
  const body = reply.json as { error?: unknown; message?: unknown } | undefined;
  const text = typeof body?.error === 'string' ? body.error : typeof body?.message === 'string' ? body.message : undefined;
  return { code: null, ...(text ? { message: text.slice(0, 200) } : {}) };
};

async function send(message: OutboundRequest, channel: TextbeeChannelConfig): Promise<SendResult> {
  if (message.mediaUrls.length > 0) throw new SendError('rejected', 'textbee sends text messages only; this message has media');
  const reply = await callProvider(
    {
      seen: message.seen,
      url: `${channel.api_url ?? defaultTextbeeApiUrl}/api/v1/gateway/devices/${encodeURIComponent(channel.device_id)}/send-sms`,
      headers: { 'x-api-key': channel.api_key },
      json: { recipients: [message.to], message: message.body },
      timeout: channel.send_timeout,
    },
    readRefusal,
  );
  const parsed = sendResponseSchema.safeParse(reply.json);
  // Without its queue textbee answers with Firebase's send counts and no id: the message may be on
  // its way, but no receipt could ever be matched to it.
  if (!parsed.success)
    throw new SendError(
      'invalid_response',
      'textbee answered without an smsBatchId (is its send queue off?), so receipts cannot be matched',
    );
  return { providerMessageId: parsed.data.data.smsBatchId, status: 'queued' };
}

export const textbeeAdapter: ProviderAdapter<TextbeeChannelConfig> = {
  signature: 'X-Signature: HMAC-SHA256 of the body',
  verify: (request, channel) => verifyTextbee(request, channel.signing_secret),
  parse: (request, channel) => parseTextbee(request, channel),
  send,
};
