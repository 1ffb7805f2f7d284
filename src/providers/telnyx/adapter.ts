import { createPublicKey, verify as verifyEd25519, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
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
import type { TelnyxChannelConfig } from './config.js';

// Telnyx Messaging API v2: every event comes to one URL as JSON, signed with Ed25519 over
// `timestamp|body`; sends are POST /v2/messages with a Bearer API key.

/** How far a webhook's timestamp may be from our clock, as in Telnyx's own libraries (300 s). */
const toleranceSeconds = 300;

// The DER header that turns a raw 32-byte Ed25519 key into an SPKI public key Node can use.
const ed25519SpkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
const importedKeys = new Map<string, KeyObject>();

/** The account's public key as Telnyx shows it (base64 of the raw 32 bytes), ready for crypto.verify. */
export function telnyxPublicKey(base64: string): KeyObject {
  let key = importedKeys.get(base64);
  if (!key) {
    const raw = Buffer.from(base64, 'base64');
    if (raw.length !== 32) throw new Error('the public key is not 32 bytes');
    key = createPublicKey({ key: Buffer.concat([ed25519SpkiPrefix, raw]), format: 'der', type: 'spki' });
    importedKeys.set(base64, key);
  }
  return key;
}

export function verifyTelnyx(request: WebhookRequest, base64PublicKey: string): VerifyResult {
  const signature = headerValue(request.headers, 'telnyx-signature-ed25519')?.trim();
  const timestamp = headerValue(request.headers, 'telnyx-timestamp')?.trim();
  if (!signature) return { ok: false, reason: 'telnyx-signature-ed25519 header is missing (is this request from Telnyx?)' };
  if (!timestamp) return { ok: false, reason: 'telnyx-timestamp header is missing' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'telnyx-timestamp is not a Unix time in seconds' };
  const skew = Math.abs(request.receivedAt / 1000 - Number(timestamp));
  if (skew > toleranceSeconds) {
    return {
      ok: false,
      reason: `telnyx-timestamp is ${Math.round(skew)} s from this server's clock (more than ${toleranceSeconds} s): a replayed webhook, or a server clock to fix`,
    };
  }
  const signatureBytes = Buffer.from(signature, 'base64');
  if (signatureBytes.length !== 64) return { ok: false, reason: 'telnyx-signature-ed25519 is not a base64 64-byte Ed25519 signature' };
  let key: KeyObject;
  try {
    key = telnyxPublicKey(base64PublicKey);
  } catch {
    return { ok: false, reason: "the channel's public_key is not a base64 32-byte Ed25519 key" };
  }
  const signed = Buffer.concat([Buffer.from(`${timestamp}|`), request.rawBody]);
  return verifyEd25519(null, signed, key, signatureBytes)
    ? { ok: true }
    : {
        ok: false,
        reason:
          "telnyx-signature-ed25519 does not match telnyx-timestamp|body under the channel's public_key (check it is the account's current public key from the Telnyx portal)",
      };
}

const phoneEntry = z.object({ phone_number: z.string().max(64).nullish(), status: z.string().max(64).nullish() });

const eventSchema = z.object({
  data: z.object({
    id: z.string().min(1).max(128),
    event_type: z.string().min(1).max(64),
    occurred_at: z.string().max(64).nullish(),
    payload: z.object({
      id: z.string().min(1).max(128),
      from: phoneEntry.nullish(),
      to: z.array(phoneEntry).max(64).nullish(),
      text: z.string().max(65_536).nullish(),
      media: z
        .array(z.object({ url: z.string().max(2048) }))
        .max(32)
        .nullish(),
      received_at: z.string().max(64).nullish(),
      errors: z
        .array(z.object({ code: z.union([z.string().max(32), z.number()]).nullish() }))
        .max(32)
        .nullish(),
    }),
  }),
});

type TelnyxEvent = z.output<typeof eventSchema>['data'];

/** Telnyx's per-recipient statuses in Parley's set; any other value is an intermediate state Parley does not track. */
const statusMap = new Map<string, OutboundStatus>([
  ['queued', 'queued'],
  ['sending', 'sending'],
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  // Telnyx could not hand the message to the carrier.
  ['sending_failed', 'failed'],
  // The carrier took it but could not deliver it; `expired` is the same end, reached by time.
  ['delivery_failed', 'undelivered'],
  ['expired', 'undelivered'],
  // The carrier never confirmed: the message left Telnyx, nothing more is known.
  ['delivery_unconfirmed', 'sent'],
]);

function inboundMessage(data: TelnyxEvent): InboundMessage {
  const { payload } = data;
  return {
    from: readPhone(payload.from?.phone_number ?? '', 'data.payload.from.phone_number'),
    to: readPhone(payload.to?.[0]?.phone_number ?? '', 'data.payload.to[0].phone_number'),
    body: payload.text ?? '',
    mediaUrls: (payload.media ?? []).map((m) => m.url),
    providerMessageId: payload.id,
    providerTime: readTimestamp(payload.received_at) ?? readTimestamp(data.occurred_at),
  };
}

/** "Blocked due to STOP message": the recipient texted STOP, and Telnyx refuses to send to them. */
const optedOutCodes = new Set(['40300']);

function statusReceipt(data: TelnyxEvent, status: OutboundStatus, providerStatus: string): StatusReceipt {
  const code = data.payload.errors?.[0]?.code;
  return {
    providerMessageId: data.payload.id,
    status,
    providerStatus,
    errorCode: code === undefined || code === null || code === '' ? null : String(code),
    providerTime: readTimestamp(data.occurred_at),
    // Telnyx may send one event more than once (and out of order); its id stays the same.
    notificationId: data.id,
    ...(status === 'failed' && code !== undefined && code !== null && optedOutCodes.has(String(code)) ? { recipientOptedOut: true } : {}),
  };
}

export function parseTelnyx(request: WebhookRequest): WebhookEvent {
  const { data } = readJsonBody(request, eventSchema);
  if (data.event_type === 'message.received') return { kind: 'inbound', message: inboundMessage(data) };
  if (data.event_type === 'message.sent' || data.event_type === 'message.finalized') {
    const providerStatus = data.payload.to?.[0]?.status ?? '';
    const status = statusMap.get(providerStatus);
    if (!status) return { kind: 'ignored', reason: `recipient status "${providerStatus.slice(0, 40)}" is not one Parley tracks` };
    return { kind: 'status', receipt: statusReceipt(data, status, providerStatus) };
  }
  return { kind: 'ignored', reason: `event ${data.event_type} is not used` };
}

const readRefusal: RefusalReader = (reply) => {
  const errors = (reply.json as { errors?: unknown } | undefined)?.errors;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  if (typeof first !== 'object' || first === null) return { code: null };
  const { code, title, detail } = first as { code?: unknown; title?: unknown; detail?: unknown };
  const codeText = typeof code === 'string' || typeof code === 'number' ? String(code) : null;
  const message = [title, detail].filter((part): part is string => typeof part === 'string').join(': ');
  return { code: codeText, ...(message ? { message } : {}), optedOut: codeText !== null && optedOutCodes.has(codeText) };
};

export const defaultTelnyxApiUrl = 'https://api.telnyx.com';

function sendBody(message: OutboundRequest, channel: TelnyxChannelConfig): Record<string, unknown> {
  return {
    from: message.from,
    to: message.to,
    text: message.body,
    ...(message.mediaUrls.length > 0 ? { media_urls: message.mediaUrls } : {}),
    ...(channel.messaging_profile_id ? { messaging_profile_id: channel.messaging_profile_id } : {}),
    // This message's receipts go to Parley's per-message URL first, then to the profile's webhooks.
    ...(message.statusCallbackUrl ? { webhook_url: message.statusCallbackUrl } : {}),
  };
}

async function send(message: OutboundRequest, channel: TelnyxChannelConfig): Promise<SendResult> {
  const reply = await callProvider(
    {
      seen: message.seen,
      url: `${channel.api_url ?? defaultTelnyxApiUrl}/v2/messages`,
      headers: { authorization: `Bearer ${channel.api_key}` },
      json: sendBody(message, channel),
      timeout: channel.send_timeout,
    },
    readRefusal,
  );
  const data = (reply.json as { data?: { id?: unknown; to?: Array<{ status?: unknown }> } } | undefined)?.data;
  if (typeof data?.id !== 'string' || data.id === '') throw new SendError('invalid_response', 'Telnyx answered without data.id');
  const initial = Array.isArray(data.to) ? data.to[0]?.status : undefined;
  return {
    providerMessageId: data.id,
    status: (typeof initial === 'string' ? statusMap.get(initial) : undefined) ?? 'queued',
  };
}

export const telnyxAdapter: ProviderAdapter<TelnyxChannelConfig> = {
  signature: 'telnyx-signature-ed25519: Ed25519 over timestamp and body',
  verify: (request, channel) => verifyTelnyx(request, channel.public_key),
  // Telnyx sends every event to one URL; which of the channel's URLs it used does not matter.
  parse: (request) => parseTelnyx(request),
  send,
};
