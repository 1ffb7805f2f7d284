import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
import {
  SendError,
  type OutboundRequest,
  type ProviderAdapter,
  type SendResult,
  type VerifyResult,
  type WebhookEvent,
  type WebhookRequest,
} from '../contract.js';
import { headerValue } from '../hmac.js';
import { callProvider, type RefusalReader } from '../provider-http.js';
import { readJsonBody, readPhone, readTimestamp } from '../webhook-body.js';
import type { TelnyxChannelConfig } from './config.js';

// Telnyx Messaging API v2: every event to one URL as JSON, signed with Ed25519 over
// `timestamp|body`; sends with a Bearer API key.

/** How far a webhook's timestamp may be from our clock, as in Telnyx's own libraries. */
const toleranceSeconds = 300;

// The DER header that makes a raw 32-byte Ed25519 key an SPKI public key.
const ed25519SpkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map<string, KeyObject>();

function publicKey(base64: string): KeyObject {
  let key = keys.get(base64);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([ed25519SpkiPrefix, Buffer.from(base64, 'base64')]), format: 'der', type: 'spki' });
    keys.set(base64, key);
  }
  return key;
}

export function verifyTelnyx(request: WebhookRequest, base64PublicKey: string): VerifyResult {
  const signature = headerValue(request.headers, 'telnyx-signature-ed25519');
  const timestamp = headerValue(request.headers, 'telnyx-timestamp');
  if (!signature || !timestamp) return { ok: false, reason: 'telnyx-signature-ed25519 or telnyx-timestamp header is missing' };
  if (!/^\d{1,12}$/.test(timestamp.trim())) return { ok: false, reason: 'telnyx-timestamp is not a Unix time' };
  const skew = Math.abs(request.receivedAt / 1000 - Number(timestamp));
  if (skew > toleranceSeconds) return { ok: false, reason: `telnyx-timestamp is ${Math.round(skew)} s from this server's clock (more than ${toleranceSeconds} s): a replay, or a clock to fix` };
  const bytes = Buffer.from(signature.trim(), 'base64');
  if (bytes.length !== 64) return { ok: false, reason: 'telnyx-signature-ed25519 is not a 64-byte signature' };
  const signed = Buffer.concat([Buffer.from(`${timestamp.trim()}|`), request.rawBody]);
  return verifySignature(null, signed, publicKey(base64PublicKey), bytes)
    ? { ok: true }
    : { ok: false, reason: 'telnyx-signature-ed25519 does not match the body under the configured public_key' };
}

const phoneEntry = z.object({ phone_number: z.string().max(64), status: z.string().max(64).nullish() });

const envelope = z.object({
  data: z.object({
    id: z.string().max(128),
    event_type: z.string().max(64),
    occurred_at: z.string().max(64).nullish(),
    payload: z
      .object({
        id: z.string().min(1).max(128),
        from: phoneEntry.nullish(),
        to: z.array(phoneEntry).max(64).nullish(),
        text: z.string().max(65_536).nullish(),
        media: z.array(z.object({ url: z.string().max(2048) })).max(32).nullish(),
        received_at: z.string().max(64).nullish(),
        errors: z.array(z.object({ code: z.union([z.string(), z.number()]).nullish() })).max(32).nullish(),
      })
      .passthrough(),
  }),
});

/** Telnyx's per-recipient statuses, in Parley's set. */
const statusMap: Record<string, OutboundStatus> = {
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  sending_failed: 'failed',
  delivery_failed: 'undelivered',
  // The carrier never confirmed: the message left Telnyx, nothing more is known.
  delivery_unconfirmed: 'sent',
};

export function parseTelnyx(request: WebhookRequest): WebhookEvent {
  const { data } = readJsonBody(request, envelope);
  const payload = data.payload;
  if (data.event_type === 'message.received') {
    return {
      kind: 'inbound',
      message: {
        from: readPhone(payload.from?.phone_number ?? '', 'data.payload.from.phone_number'),
        to: readPhone(payload.to?.[0]?.phone_number ?? '', 'data.payload.to[0].phone_number'),
        body: payload.text ?? '',
        mediaUrls: (payload.media ?? []).map((m) => m.url),
        providerMessageId: payload.id,
        providerTime: readTimestamp(payload.received_at ?? data.occurred_at),
      },
    };
  }
  if (data.event_type === 'message.sent' || data.event_type === 'message.finalized') {
    const providerStatus = payload.to?.[0]?.status ?? '';
    const status = statusMap[providerStatus];
    if (!status) return { kind: 'ignored', reason: `recipient status "${providerStatus.slice(0, 40)}" is not tracked` };
    const code = payload.errors?.[0]?.code;
    return {
      kind: 'status',
      receipt: {
        providerMessageId: payload.id,
        status,
        providerStatus,
        errorCode: code === undefined || code === null ? null : String(code),
        providerTime: readTimestamp(data.occurred_at),
        // Telnyx may repeat an event; its id is the same each time.
        notificationId: data.id,
      },
    };
  }
  return { kind: 'ignored', reason: `event ${data.event_type.slice(0, 64)} is not used` };
}

// "Blocked due to STOP message": the recipient opted out with Telnyx.
const optedOutCodes = new Set(['40300']);

const readRefusal: RefusalReader = (reply) => {
  const first = (reply.json as { errors?: Array<{ code?: unknown; title?: unknown; detail?: unknown }> } | undefined)?.errors?.[0];
  const code = first?.code === undefined || first.code === null ? null : String(first.code);
  const message = [first?.title, first?.detail].filter((p): p is string => typeof p === 'string').join(': ');
  return { code, ...(message ? { message } : {}), optedOut: code !== null && optedOutCodes.has(code) };
};

export const defaultTelnyxApiUrl = 'https://api.telnyx.com';

async function send(message: OutboundRequest, channel: TelnyxChannelConfig): Promise<SendResult> {
  const reply = await callProvider(
    {
      url: `${channel.api_url ?? defaultTelnyxApiUrl}/v2/messages`,
      headers: { authorization: `Bearer ${channel.api_key}` },
      json: {
        from: message.from,
        to: message.to,
        text: message.body,
        ...(message.mediaUrls.length > 0 ? { media_urls: message.mediaUrls } : {}),
        ...(channel.messaging_profile_id ? { messaging_profile_id: channel.messaging_profile_id } : {}),
        ...(message.statusCallbackUrl ? { webhook_url: message.statusCallbackUrl } : {}),
      },
      timeout: channel.send_timeout,
    },
    readRefusal,
  );
  const data = (reply.json as { data?: { id?: unknown; to?: Array<{ status?: unknown }> } } | undefined)?.data;
  if (typeof data?.id !== 'string' || data.id === '') throw new SendError('invalid_response', 'Telnyx answered without data.id');
  const initial = data.to?.[0]?.status;
  return { providerMessageId: data.id, status: (typeof initial === 'string' ? statusMap[initial] : undefined) ?? 'queued' };
}

export const telnyxAdapter: ProviderAdapter<TelnyxChannelConfig> = {
  verify: (request, channel) => verifyTelnyx(request, channel.public_key),
  // Telnyx sends every event to one URL; which of the channel's URLs it used does not matter.
  parse: (request) => parseTelnyx(request),
  send,
};
