import { decodeJwt, jwtVerify } from 'jose';
import { z } from 'zod';
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
  type WebhookRequest,
} from '../contract.js';
import { headerValue } from '../hmac.js';
import { callProvider, type RefusalReader } from '../provider-http.js';
import { readJsonBody, readPhone, readTimestamp } from '../webhook-body.js';
import type { HttpsmsChannelConfig } from './config.js';

// httpSMS (an Android phone behind httpsms.com): CloudEvents webhooks carrying
// `Authorization: Bearer <JWT>`, HS256 under the webhook's signing key, with the webhook URL as
// audience and a ±10 minute lifetime. The token does not cover the body, so events are
// deduplicated by their CloudEvent id and the token must name the URL it was sent to.

export const defaultHttpsmsApiUrl = 'https://api.httpsms.com';

const issuer = 'api.httpsms.com';
/** httpSMS's own window is ±10 minutes; a minute more for clocks that drift. */
const clockToleranceSeconds = 60;

export async function verifyHttpsms(request: WebhookRequest, signingKey: string): Promise<VerifyResult> {
  const authorization = headerValue(request.headers, 'authorization')?.trim() ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (!token)
    return {
      ok: false,
      reason:
        'no Authorization: Bearer token; httpSMS sends one only when the webhook has a signing key, so set the same key on the webhook and in signing_key',
    };
  const calledUrl = request.publicUrl;
  const withoutQuery = calledUrl.split('?')[0]!;
  try {
    await jwtVerify(token, new TextEncoder().encode(signingKey), {
      algorithms: ['HS256'],
      issuer,
      audience: [calledUrl, withoutQuery],
      currentDate: new Date(request.receivedAt),
      clockTolerance: clockToleranceSeconds,
    });
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: rejectionReason(error, token, calledUrl) };
  }
}

/** What an operator needs to fix a refused token; never the key. */
function rejectionReason(error: unknown, token: string, calledUrl: string): string {
  const code = (error as { code?: unknown }).code;
  const claim = (error as { claim?: unknown }).claim;
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
    return "the Bearer token is not signed with the channel's signing_key; it must equal the signing key of the httpSMS webhook";
  if (code === 'ERR_JWT_EXPIRED')
    return "the Bearer token has expired (httpSMS tokens last 10 minutes); check this server's clock, or this is a replay";
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'aud') {
    return `the Bearer token is for ${audienceOf(token)}, but it was checked against the URL ${calledUrl}; register exactly that URL on the httpSMS webhook, or set the channel's public_url or server.trust_proxy so Parley sees the URL httpSMS calls`;
  }
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'iss') return `the Bearer token's issuer is not ${issuer}`;
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'nbf') return "the Bearer token is not valid yet; check this server's clock";
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED') return 'the Bearer token is not HS256, which httpSMS uses';
  return 'the Bearer token is not a JWT httpSMS would send';
}

function audienceOf(token: string): string {
  try {
    const { aud } = decodeJwt(token);
    return (Array.isArray(aud) ? aud.join(', ') : (aud ?? 'no URL')).slice(0, 300);
  } catch {
    return 'an unreadable audience';
  }
}

const id = z.string().min(1).max(128);
const number = z.string().max(64).nullish();

/** A CloudEvent from httpSMS; `data` has the fields of api/pkg/events/*.go. */
const cloudEventSchema = z.object({
  id,
  type: z.string().max(64),
  data: z
    .object({
      id: id.nullish(),
      message_id: id.nullish(),
      owner: number,
      contact: number,
      content: z.string().max(65_536).nullish(),
      timestamp: z.string().max(64).nullish(),
      error_message: z.string().max(500).nullish(),
    })
    .nullish(),
});

type CloudEvent = z.output<typeof cloudEventSchema>;
type EventData = NonNullable<CloudEvent['data']>;

/** Receipt events: the Parley status, and where the message id is (expired events name it `message_id`). */
// A Map, not an object literal: the event's type is looked up, and `constructor` or `__proto__`
// must not find an object's inherited properties.
const receiptTypes = new Map<string, { status: OutboundStatus; idField: 'id' | 'message_id' }>([
  ['message.phone.sent', { status: 'sent', idField: 'id' }],
  ['message.phone.delivered', { status: 'delivered', idField: 'id' }],
  ['message.send.failed', { status: 'failed', idField: 'id' }],
  // The phone did not send it in time; it will not go out.
  ['message.send.expired', { status: 'failed', idField: 'message_id' }],
]);

export function parseHttpsms(request: WebhookRequest): WebhookEvent {
  const event = readJsonBody(request, cloudEventSchema);
  const data = event.data ?? {};
  if (event.type === 'message.phone.received') return { kind: 'inbound', message: receivedMessage(data) };
  const receipt = receiptTypes.get(event.type);
  if (receipt) return { kind: 'status', receipt: receiptOf(event, data, receipt.status, receipt.idField) };
  // Heartbeats, missed calls, webhook failures: nothing for Parley to store.
  return { kind: 'ignored', reason: `event "${event.type.slice(0, 40)}" is not used` };
}

function receivedMessage(data: EventData): InboundMessage {
  if (!data.message_id) throw new ParleyError('invalid_payload', 'data.message_id: required');
  if (typeof data.content !== 'string') throw new ParleyError('invalid_payload', 'data.content: required');
  return {
    // httpSMS's contact is the other party; owner is the phone's own number.
    from: readPhone(data.contact ?? '', 'data.contact'),
    to: readPhone(data.owner ?? '', 'data.owner'),
    body: data.content,
    mediaUrls: [],
    providerMessageId: data.message_id,
    providerTime: readTimestamp(data.timestamp),
  };
}

function receiptOf(event: CloudEvent, data: EventData, status: OutboundStatus, idField: 'id' | 'message_id'): StatusReceipt {
  // Expired events name it message_id (events/message_send_expired_event.go); take id if a version renames it.
  const messageId = idField === 'message_id' ? (data.message_id ?? data.id) : data.id;
  if (!messageId) throw new ParleyError('invalid_payload', `data.${idField}: required`);
  return {
    providerMessageId: messageId,
    status,
    providerStatus: event.type,
    errorCode: status === 'failed' ? (data.error_message ?? null) : null,
    providerTime: readTimestamp(data.timestamp),
    notificationId: event.id,
  };
}

/** httpSMS message statuses (api/pkg/entities/message.go) in Parley's set. */
const messageStatus = new Map<string, OutboundStatus>([
  ['pending', 'queued'],
  ['scheduled', 'queued'],
  ['sending', 'sending'],
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['failed', 'failed'],
  ['expired', 'failed'],
]);

const sendResponseSchema = z.object({ data: z.object({ id, status: z.string().max(32).optional() }) });

/** httpSMS refuses with `{"status": "error", "message": "…", "data": …}`. */
const readRefusal: RefusalReader = (reply) => {
  const text = (reply.json as { message?: unknown } | undefined)?.message;
  return { code: null, ...(typeof text === 'string' ? { message: text.slice(0, 200) } : {}) };
};

async function send(message: OutboundRequest, channel: HttpsmsChannelConfig): Promise<SendResult> {
  if (message.mediaUrls.length > 0) throw new SendError('rejected', 'Parley sends text only through httpSMS; this message has media');
  const reply = await callProvider(
    {
      seen: message.seen,
      url: `${channel.api_url ?? defaultHttpsmsApiUrl}/v1/messages/send`,
      headers: { 'x-api-key': channel.api_key },
      // request_id comes back in the message's receipts; httpSMS does not deduplicate on it.
      json: { from: message.from, to: message.to, content: message.body, request_id: message.id },
      timeout: channel.send_timeout,
    },
    readRefusal,
  );
  const parsed = sendResponseSchema.safeParse(reply.json);
  if (!parsed.success) throw new SendError('invalid_response', 'httpSMS answered without data.id');
  return {
    providerMessageId: parsed.data.data.id,
    status: messageStatus.get(parsed.data.data.status ?? '') ?? 'queued',
  };
}

export const httpsmsAdapter: ProviderAdapter<HttpsmsChannelConfig> = {
  signature: 'Authorization: Bearer JWT (HS256)',
  verify: (request, channel) => verifyHttpsms(request, channel.signing_key),
  parse: (request) => parseHttpsms(request),
  send,
};
