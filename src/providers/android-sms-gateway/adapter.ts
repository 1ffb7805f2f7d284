import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { countryOf, toE164FromHandset } from '../../core/phone.js';
import { ParleyError } from '../../errors.js';
import { SendError, type OutboundRequest, type ProviderAdapter, type SendResult, type VerifyResult, type WebhookEvent, type WebhookRequest } from '../contract.js';
import { headerValue } from '../hmac.js';
import { basicAuth, callProvider } from '../provider-http.js';
import { readJsonBody, readTimestamp } from '../webhook-body.js';
import type { AndroidSmsGatewayChannelConfig } from './config.js';

// SMS Gateway for Android (sms-gate.app, or the app on a phone): one webhook per event type, each
// signed with X-Signature = hex HMAC-SHA256(body + X-Timestamp); sends through the gateway's API.

const toleranceSeconds = 300;

export function verifyAndroidGateway(request: WebhookRequest, signingKey: string): VerifyResult {
  const signature = headerValue(request.headers, 'x-signature');
  const timestamp = headerValue(request.headers, 'x-timestamp');
  if (!signature || !timestamp) return { ok: false, reason: 'X-Signature or X-Timestamp header is missing' };
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(request.receivedAt / 1000 - Number(timestamp)) > toleranceSeconds) {
    return { ok: false, reason: `X-Timestamp is not within ${toleranceSeconds} s of this server's clock` };
  }
  const expected = createHmac('sha256', signingKey).update(Buffer.concat([request.rawBody, Buffer.from(timestamp)])).digest();
  const given = /^[0-9a-f]{64}$/i.test(signature.trim()) ? Buffer.from(signature.trim(), 'hex') : Buffer.alloc(0);
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : { ok: false, reason: 'X-Signature does not match the body and timestamp under the signing_key' };
}

const text = z.string().max(65_536);
const envelope = z.object({
  event: z.string().max(64),
  /** The event's id: the same on the app's retries of it. */
  id: z.string().min(1).max(128),
  payload: z
    .object({
      messageId: z.string().max(128).nullish(),
      message: text.nullish(),
      sender: z.string().max(64).nullish(),
      recipient: z.string().max(64).nullish(),
      phoneNumber: z.string().max(64).nullish(),
      receivedAt: z.string().max(64).nullish(),
      sentAt: z.string().max(64).nullish(),
      deliveredAt: z.string().max(64).nullish(),
      failedAt: z.string().max(64).nullish(),
      partsCount: z.number().int().min(1).max(255).nullish(),
      reason: z.string().max(500).nullish(),
    })
    .nullish(),
});

function messageIdOf(payload: { messageId?: string | null | undefined }): string {
  if (!payload.messageId) throw new ParleyError('invalid_payload', 'payload.messageId: required');
  return payload.messageId;
}

export function parseAndroidGateway(request: WebhookRequest, channel: AndroidSmsGatewayChannelConfig): WebhookEvent {
  const { event, id, payload } = readJsonBody(request, envelope);
  const p = payload ?? {};
  switch (event) {
    case 'sms:received': {
      const country = countryOf(channel.numbers[0]!);
      const sender = p.sender ?? p.phoneNumber ?? '';
      const from = toE164FromHandset(sender, country);
      if (!from) throw new ParleyError('invalid_phone_number', `payload.sender: "${sender.slice(0, 40)}" is not a phone number.`);
      return {
        kind: 'inbound',
        message: {
          // Numbers as the handset stores them: national ones are of the phone's own country.
          from,
          // The phone often does not know its own number (or knows it badly): the channel's then.
          to: toE164FromHandset(p.recipient ?? '', country) ?? channel.numbers[0]!,
          body: p.message ?? '',
          mediaUrls: [],
          // The payload's messageId is derived from the content and may repeat; the event id does not.
          providerMessageId: id,
          providerTime: readTimestamp(p.receivedAt),
        },
      };
    }
    case 'sms:sent':
      return {
        kind: 'status',
        receipt: {
          providerMessageId: messageIdOf(p),
          status: 'sent',
          providerStatus: event,
          errorCode: null,
          providerTime: readTimestamp(p.sentAt),
          notificationId: id,
          // Announces how many parts will each report delivery.
          part: { key: 'sent', total: p.partsCount ?? null },
        },
      };
    case 'sms:delivered':
      // Fired once per part: each is one part's delivery, folded into the message's status.
      return {
        kind: 'status',
        receipt: { providerMessageId: messageIdOf(p), status: 'delivered', providerStatus: event, errorCode: null, providerTime: readTimestamp(p.deliveredAt), notificationId: id, part: { key: id, total: null } },
      };
    case 'sms:failed':
      return {
        kind: 'status',
        receipt: { providerMessageId: messageIdOf(p), status: 'failed', providerStatus: event, errorCode: p.reason ?? null, providerTime: readTimestamp(p.failedAt), notificationId: id },
      };
    default:
      return { kind: 'ignored', reason: `event ${event.slice(0, 40)} is not used` };
  }
}

export const defaultAndroidGatewayApiUrl = 'https://api.sms-gate.app';

async function send(message: OutboundRequest, channel: AndroidSmsGatewayChannelConfig): Promise<SendResult> {
  const reply = await callProvider({
    url: `${channel.api_url ?? defaultAndroidGatewayApiUrl}/3rdparty/v1/messages`,
    headers: { authorization: basicAuth(channel.username, channel.password) },
    json: {
      // The gateway takes the caller's id: receipts then carry Parley's own id.
      id: message.id,
      textMessage: { text: message.body },
      phoneNumbers: [message.to],
      withDeliveryReport: true,
      ...(channel.device_id ? { deviceId: channel.device_id } : {}),
    },
    timeout: channel.send_timeout,
  });
  const id = (reply.json as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string' || id === '') throw new SendError('invalid_response', 'the gateway answered without an id');
  return { providerMessageId: id, status: 'queued' };
}

export const androidSmsGatewayAdapter: ProviderAdapter<AndroidSmsGatewayChannelConfig> = {
  verify: (request, channel) => verifyAndroidGateway(request, channel.signing_key),
  parse: (request, channel) => parseAndroidGateway(request, channel),
  send,
};
