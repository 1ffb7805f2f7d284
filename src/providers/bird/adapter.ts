import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
import { ParleyError } from '../../errors.js';
import { SendError, type OutboundRequest, type ProviderAdapter, type SendResult, type VerifyResult, type WebhookEvent, type WebhookRequest } from '../contract.js';
import { headerValue } from '../hmac.js';
import { callProvider } from '../provider-http.js';
import { readJsonBody, readPhone, readTimestamp } from '../webhook-body.js';
import type { BirdChannelConfig } from './config.js';

// Bird (api.bird.com): webhook notifications signed with HMAC-SHA256 over the timestamp, the URL
// Bird called and the body's SHA-256; sends through the channels API.

const toleranceSeconds = 300;

export function verifyBird(request: WebhookRequest, signingKey: string): VerifyResult {
  const signature = headerValue(request.headers, 'messagebird-signature');
  const timestamp = headerValue(request.headers, 'messagebird-request-timestamp');
  if (!signature || !timestamp) return { ok: false, reason: 'messagebird-signature or messagebird-request-timestamp header is missing' };
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(request.receivedAt / 1000 - Number(timestamp)) > toleranceSeconds) {
    return { ok: false, reason: `messagebird-request-timestamp is not within ${toleranceSeconds} s of this server's clock` };
  }
  const bodyHash = createHash('sha256').update(request.rawBody).digest();
  const expected = createHmac('sha256', signingKey).update(`${timestamp}\n${request.publicUrl}\n`).update(bodyHash).digest();
  const given = Buffer.from(signature.trim(), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : {
        ok: false,
        reason: `messagebird-signature does not match; it was checked against the URL ${request.publicUrl}. If Bird calls another URL, set the channel's public_url or server.trust_proxy.`,
      };
}

const contact = z.object({ identifierKey: z.string().max(64).nullish(), identifierValue: z.string().max(128).nullish() });
const notification = z.object({
  event: z.string().max(64),
  payload: z.object({
    id: z.string().min(1).max(128),
    sender: z.object({ contact: contact.nullish() }).nullish(),
    body: z.object({ type: z.string().max(32).nullish(), text: z.object({ text: z.string().max(65_536).nullish() }).nullish() }).nullish(),
    status: z.string().max(64).nullish(),
    reason: z.string().max(500).nullish(),
    createdAt: z.string().max(64).nullish(),
    lastStatusAt: z.string().max(64).nullish(),
  }),
});

const statusMap: Record<string, OutboundStatus | null> = {
  accepted: 'queued',
  processing: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  sending_failed: 'failed',
  delivery_failed: 'undelivered',
  failed: 'failed',
};

export function parseBird(request: WebhookRequest, channel: BirdChannelConfig): WebhookEvent {
  const { event, payload } = readJsonBody(request, notification);
  if (event === 'sms.inbound') {
    return {
      kind: 'inbound',
      message: {
        from: readPhone(payload.sender?.contact?.identifierValue ?? '', 'payload.sender.contact.identifierValue'),
        // Bird names the receiving connector, not its number: the channel's.
        to: channel.numbers[0]!,
        body: payload.body?.text?.text ?? '',
        mediaUrls: [],
        providerMessageId: payload.id,
        providerTime: readTimestamp(payload.createdAt),
      },
    };
  }
  if (event === 'sms.outbound') {
    const providerStatus = payload.status ?? '';
    const status = statusMap[providerStatus];
    if (status === undefined) return { kind: 'ignored', reason: `status "${providerStatus.slice(0, 40)}" is not known` };
    if (status === null) return { kind: 'ignored', reason: `status ${providerStatus} is not tracked` };
    return {
      kind: 'status',
      receipt: { providerMessageId: payload.id, status, providerStatus, errorCode: payload.reason ?? null, providerTime: readTimestamp(payload.lastStatusAt) },
    };
  }
  if (!event) throw new ParleyError('invalid_payload', 'event: required');
  return { kind: 'ignored', reason: `event ${event.slice(0, 40)} is not used` };
}

export const defaultBirdApiUrl = 'https://api.bird.com';

async function send(message: OutboundRequest, channel: BirdChannelConfig): Promise<SendResult> {
  const reply = await callProvider(
    {
      url: `${channel.api_url ?? defaultBirdApiUrl}/workspaces/${channel.workspace_id}/channels/${channel.channel_id}/messages`,
      headers: { authorization: `AccessKey ${channel.access_key}` },
      json: {
        receiver: { contacts: [{ identifierKey: 'phonenumber', identifierValue: message.to }] },
        body: { type: 'text', text: { text: message.body } },
        reference: message.id,
      },
      timeout: channel.send_timeout,
    },
    (reply) => {
      const body = reply.json as { code?: unknown; message?: unknown } | undefined;
      return { code: typeof body?.code === 'string' ? body.code : null, ...(typeof body?.message === 'string' ? { message: body.message } : {}) };
    },
  );
  const created = reply.json as { id?: unknown; status?: unknown } | undefined;
  if (typeof created?.id !== 'string' || created.id === '') throw new SendError('invalid_response', 'Bird answered without a message id');
  return { providerMessageId: created.id, status: (typeof created.status === 'string' ? statusMap[created.status] : undefined) ?? 'queued' };
}

export const birdAdapter: ProviderAdapter<BirdChannelConfig> = {
  verify: (request, channel) => verifyBird(request, channel.signing_key),
  parse: (request, channel) => parseBird(request, channel),
  send,
};
