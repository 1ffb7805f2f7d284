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
import { basicAuth, callProvider, type RefusalReader } from '../provider-http.js';
import { readJsonBody, readTimestamp } from '../webhook-body.js';
import type { AndroidSmsGatewayChannelConfig } from './config.js';

// SMS Gateway for Android (sms-gate.app, or a private server): the phone posts one webhook per
// event type, each signed with X-Signature = hex HMAC-SHA256(raw body + X-Timestamp); Parley sends
// through the gateway's 3rd-party API with Basic auth.

export const defaultAndroidGatewayApiUrl = 'https://api.sms-gate.app';

/** The project's docs advise accepting timestamps within ±5 minutes. */
const toleranceSeconds = 300;

export function verifyAndroidGateway(request: WebhookRequest, signingKey: string): VerifyResult {
  const signature = headerValue(request.headers, 'x-signature')?.trim();
  const timestamp = headerValue(request.headers, 'x-timestamp')?.trim();
  if (!signature || !timestamp) {
    return {
      ok: false,
      reason:
        'X-Signature or X-Timestamp header is missing; the app signs webhooks once a signing key is set (Settings → Webhooks → Signing Key)',
    };
  }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'X-Timestamp is not Unix time in seconds' };
  const skew = Math.round(Math.abs(request.receivedAt / 1000 - Number(timestamp)));
  if (skew > toleranceSeconds) {
    return {
      ok: false,
      reason: `X-Timestamp is ${skew} s away from this server's clock (at most ${toleranceSeconds} s allowed); check the phone's clock`,
    };
  }
  // The app signs the body text followed by the timestamp, with no separator.
  const signed = Buffer.concat([request.rawBody, Buffer.from(timestamp)]);
  return hmacSha256HexMatches(signingKey, signed, signature)
    ? { ok: true }
    : {
        ok: false,
        reason:
          "X-Signature does not match HMAC-SHA256(body + X-Timestamp) under the channel's signing_key; it must equal the app's Settings → Webhooks → Signing Key",
      };
}

const shortText = z.string().max(128);
const time = z.string().max(64).nullish();
const number = z.string().max(64).nullish();

/** The app's envelope: `{deviceId, event, id, payload, webhookId}`; `id` is the same on its retries. */
const envelopeSchema = z.object({
  event: shortText,
  id: z.string().min(1).max(128),
  payload: z
    .object({
      messageId: shortText.nullish(),
      message: z.string().max(65_536).nullish(),
      sender: number,
      recipient: number,
      /** Deprecated by the app for `sender`/`recipient`; older versions send only this. */
      phoneNumber: number,
      receivedAt: time,
      sentAt: time,
      deliveredAt: time,
      failedAt: time,
      cancelledAt: time,
      partsCount: z.number().int().min(1).max(255).nullish(),
      reason: z.string().max(500).nullish(),
    })
    .nullish(),
});

type Envelope = z.output<typeof envelopeSchema>;
type Payload = NonNullable<Envelope['payload']>;

export function parseAndroidGateway(request: WebhookRequest, channel: AndroidSmsGatewayChannelConfig): WebhookEvent {
  const envelope = readJsonBody(request, envelopeSchema);
  const payload = envelope.payload ?? {};
  switch (envelope.event) {
    case 'sms:received':
      return { kind: 'inbound', message: receivedMessage(envelope.id, payload, channel) };
    case 'sms:sent':
    case 'sms:delivered':
    case 'sms:failed':
    case 'sms:cancelled':
      return { kind: 'status', receipt: receiptOf(envelope.event, envelope.id, payload) };
    default:
      // system:ping, app:started, sms:data-received, mms:*: nothing for Parley to store.
      return { kind: 'ignored', reason: `event "${envelope.event.slice(0, 40)}" is not used` };
  }
}

function receivedMessage(eventId: string, payload: Payload, channel: AndroidSmsGatewayChannelConfig): InboundMessage {
  if (typeof payload.message !== 'string') throw new ParleyError('invalid_payload', 'payload.message: required');
  // The handset reports numbers as it stores them: a national number is one of the phone's own country.
  const country = countryOf(channel.numbers[0]!);
  const sender = payload.sender ?? payload.phoneNumber ?? '';
  const from = toE164FromHandset(sender, country);
  if (!from) throw new ParleyError('invalid_phone_number', `payload.sender: "${sender.slice(0, 40)}" is not a phone number.`);
  return {
    from,
    // The phone often does not know its own number (recipient is null then): the channel's number.
    to: toE164FromHandset(payload.recipient ?? '', country) ?? channel.numbers[0]!,
    body: payload.message,
    mediaUrls: [],
    // payload.messageId is derived from the text and repeats for equal texts; the event id does not.
    providerMessageId: eventId,
    providerTime: readTimestamp(payload.receivedAt),
  };
}

function receiptOf(event: 'sms:sent' | 'sms:delivered' | 'sms:failed' | 'sms:cancelled', eventId: string, payload: Payload): StatusReceipt {
  if (!payload.messageId) throw new ParleyError('invalid_payload', 'payload.messageId: required');
  const common = { providerMessageId: payload.messageId, providerStatus: event, notificationId: eventId };
  switch (event) {
    case 'sms:sent':
      return {
        ...common,
        status: 'sent',
        errorCode: null,
        providerTime: readTimestamp(payload.sentAt),
        // sms:sent comes once and says how many parts will each report delivery: announcing the
        // total lets Parley call the message delivered only when every part has been.
        ...(payload.partsCount ? { part: { key: 'sent', total: payload.partsCount } } : {}),
      };
    case 'sms:delivered':
      // Fired once per part, each with its own event id: one part's delivery, folded by Parley.
      return {
        ...common,
        status: 'delivered',
        errorCode: null,
        providerTime: readTimestamp(payload.deliveredAt),
        part: { key: eventId, total: payload.partsCount ?? null },
      };
    case 'sms:failed':
      return { ...common, status: 'failed', errorCode: payload.reason ?? null, providerTime: readTimestamp(payload.failedAt) };
    case 'sms:cancelled':
      // Cancelled before the phone sent it: it will not go out.
      return { ...common, status: 'failed', errorCode: 'cancelled', providerTime: readTimestamp(payload.cancelledAt) };
  }
}

/** The gateway's message states (client-go `ProcessingState`) in Parley's set; a Map, so `constructor` finds nothing inherited. */
const stateStatus = new Map<string, OutboundStatus>([
  ['Pending', 'queued'],
  ['Processed', 'sending'],
  ['Sent', 'sent'],
  ['Delivered', 'delivered'],
  ['Failed', 'failed'],
  ['Cancelled', 'failed'],
]);

const sendResponseSchema = z.object({ id: z.string().min(1).max(128), state: z.string().max(32).optional() });

/** The gateway answers errors as `{"message": "…"}`; 409 means a message with this id exists. */
const readRefusal: RefusalReader = (reply) => {
  const message = (reply.json as { message?: unknown } | undefined)?.message;
  return {
    code: reply.status === 409 ? 'message_exists' : null,
    ...(typeof message === 'string' ? { message: message.slice(0, 200) } : {}),
  };
};

async function send(message: OutboundRequest, channel: AndroidSmsGatewayChannelConfig): Promise<SendResult> {
  if (message.mediaUrls.length > 0)
    throw new SendError('rejected', 'SMS Gateway for Android sends text messages only; this message has media');
  let reply;
  try {
    reply = await callProvider(
      {
        seen: message.seen,
        url: `${channel.api_url ?? defaultAndroidGatewayApiUrl}/3rdparty/v1/messages`,
        headers: { authorization: basicAuth(channel.username, channel.password) },
        json: {
          // The gateway keeps the id it is given, so its receipts name Parley's own message.
          id: message.id,
          textMessage: { text: message.body },
          phoneNumbers: [message.to],
          withDeliveryReport: true,
          ...(channel.device_id ? { deviceId: channel.device_id } : {}),
        },
        timeout: channel.send_timeout,
      },
      readRefusal,
    );
  } catch (error) {
    // A retry after a send whose answer was lost: the gateway already holds this message.
    if (error instanceof SendError && error.providerCode === 'message_exists') return { providerMessageId: message.id, status: 'queued' };
    throw error;
  }
  const parsed = sendResponseSchema.safeParse(reply.json);
  if (!parsed.success) throw new SendError('invalid_response', 'the gateway answered without a message id');
  return { providerMessageId: parsed.data.id, status: stateStatus.get(parsed.data.state ?? '') ?? 'queued' };
}

export const androidSmsGatewayAdapter: ProviderAdapter<AndroidSmsGatewayChannelConfig> = {
  signature: 'X-Signature: HMAC-SHA256 of body and X-Timestamp',
  verify: (request, channel) => verifyAndroidGateway(request, channel.signing_key),
  parse: (request, channel) => parseAndroidGateway(request, channel),
  send,
};
