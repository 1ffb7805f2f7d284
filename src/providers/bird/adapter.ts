import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import type { OutboundStatus } from '../../core/message-status.js';
import { toE164 } from '../../core/phone.js';
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
import { signedUrlMismatch } from '../signed-url.js';
import { callProvider, type RefusalReader } from '../provider-http.js';
import { readJsonBody, readPhone, readTimestamp } from '../webhook-body.js';
import type { BirdChannelConfig } from './config.js';

// Bird (api.bird.com): webhook notifications on one URL, signed with HMAC-SHA256 over the
// timestamp, the URL Bird called and the body's SHA-256 (or, from the legacy MessageBird
// platform, with a JWT naming the URL's and the body's hashes); sends go through the channel's
// messages API.

/** Bird documents no window for its timestamp; Parley takes the usual 5 minutes. */
const toleranceSeconds = 300;

/** Seconds, as Bird sends it; a 13-digit value is read as milliseconds. */
function timestampSeconds(value: string): number | null {
  if (!/^\d{1,13}$/.test(value)) return null;
  const n = Number(value);
  return value.length === 13 ? n / 1000 : n;
}

/** `messagebird-signature` = base64 HMAC-SHA256(signing key, timestamp \n URL \n SHA-256(body) as raw bytes). */
export function verifyBirdSignature(request: WebhookRequest, signingKey: string, signature: string): VerifyResult {
  const timestamp = headerValue(request.headers, 'messagebird-request-timestamp')?.trim();
  if (!timestamp) return { ok: false, reason: 'messagebird-request-timestamp header is missing' };
  const seconds = timestampSeconds(timestamp);
  if (seconds === null) return { ok: false, reason: 'messagebird-request-timestamp is not a Unix time' };
  const skew = Math.abs(request.receivedAt / 1000 - seconds);
  if (skew > toleranceSeconds) {
    return {
      ok: false,
      reason: `messagebird-request-timestamp is ${Math.round(skew)} s from this server's clock (more than ${toleranceSeconds} s): a replayed notification, or a server clock to fix`,
    };
  }
  const bodyHash = createHash('sha256').update(request.rawBody).digest();
  const presented = Buffer.from(signature.trim(), 'base64');
  const signedOver = (url: string) => {
    const expected = createHmac('sha256', signingKey).update(`${timestamp}\n${url}\n`).update(bodyHash).digest();
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  };
  return signedOver(request.publicUrl)
    ? { ok: true }
    : {
        ok: false,
        reason: `messagebird-signature does not match under the channel's signing_key; ${signedUrlMismatch('Bird', request.publicUrl, signedOver)}`,
      };
}

/** A hex SHA-256 claim against the hash of `data`, in constant time. */
function hashClaimMatches(claim: unknown, data: Buffer | string): boolean {
  if (typeof claim !== 'string' || !/^[0-9a-fA-F]{64}$/.test(claim)) return false;
  return timingSafeEqual(Buffer.from(claim, 'hex'), createHash('sha256').update(data).digest());
}

function jwtFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired)
    return 'MessageBird-Signature-JWT has expired (exp is in the past): a replayed notification, or a server clock to fix';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'MessageBird-Signature-JWT is not valid yet (nbf is in the future): a server clock to fix';
    if (error.claim === 'iss') return 'MessageBird-Signature-JWT was not issued by MessageBird';
    return `MessageBird-Signature-JWT claim ${error.claim} is not valid`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return "MessageBird-Signature-JWT is not signed with the channel's signing_key";
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported)
    return 'MessageBird-Signature-JWT uses an algorithm other than HS256, HS384 or HS512';
  return 'MessageBird-Signature-JWT is not a well-formed JWT';
}

/**
 * The legacy MessageBird scheme: an HS256/384/512 JWT from MessageBird whose `url_hash` is the
 * SHA-256 of the full URL called and whose `payload_hash` (required when there is a body) is the
 * SHA-256 of the body; `nbf`/`exp` bound its lifetime (5 s of clock tolerance, as MessageBird's SDK).
 */
export async function verifyBirdJwt(request: WebhookRequest, signingKey: string, token: string): Promise<VerifyResult> {
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(token.trim(), new TextEncoder().encode(signingKey), {
      issuer: 'MessageBird',
      algorithms: ['HS256', 'HS384', 'HS512'],
      clockTolerance: 5,
      currentDate: new Date(request.receivedAt),
    }));
  } catch (error) {
    return { ok: false, reason: jwtFailure(error) };
  }
  if (typeof claims.jti !== 'string' || claims.jti === '') return { ok: false, reason: 'MessageBird-Signature-JWT has no jti claim' };
  const urlHashMatches = (url: string) => hashClaimMatches(claims.url_hash, url);
  if (!urlHashMatches(request.publicUrl))
    return {
      ok: false,
      reason: `MessageBird-Signature-JWT url_hash does not match; ${signedUrlMismatch('Bird', request.publicUrl, urlHashMatches)}`,
    };
  if ('payload_hash' in claims) {
    if (request.rawBody.length === 0)
      return { ok: false, reason: 'MessageBird-Signature-JWT has a payload_hash but the request has no body' };
    if (!hashClaimMatches(claims.payload_hash, request.rawBody))
      return { ok: false, reason: 'MessageBird-Signature-JWT payload_hash does not match the body' };
  } else if (request.rawBody.length > 0) {
    return { ok: false, reason: 'MessageBird-Signature-JWT has no payload_hash but the request has a body' };
  }
  return { ok: true };
}

export function verifyBird(request: WebhookRequest, signingKey: string): VerifyResult | Promise<VerifyResult> {
  const signature = headerValue(request.headers, 'messagebird-signature');
  if (signature) return verifyBirdSignature(request, signingKey, signature);
  const token = headerValue(request.headers, 'messagebird-signature-jwt');
  if (token) return verifyBirdJwt(request, signingKey, token);
  return { ok: false, reason: 'messagebird-signature header is missing (is the webhook subscription created with a signingKey?)' };
}

const text = (max: number) => z.string().max(max);
const mediaItems = z
  .array(z.object({ mediaUrl: text(2048) }))
  .max(32)
  .nullish();
const notificationSchema = z.object({
  service: text(64).nullish(),
  event: text(64).min(1),
  payload: z.object({
    id: text(128).min(1),
    sender: z.object({ contact: z.object({ identifierValue: text(128).nullish() }).nullish() }).nullish(),
    receiver: z.object({ connector: z.object({ identifierValue: text(128).nullish() }).nullish() }).nullish(),
    body: z
      .object({
        type: text(32).nullish(),
        text: z.object({ text: text(65_536).nullish() }).nullish(),
        image: z.object({ text: text(65_536).nullish(), images: mediaItems }).nullish(),
        file: z.object({ text: text(65_536).nullish(), files: mediaItems }).nullish(),
      })
      .nullish(),
    status: text(64).nullish(),
    reason: text(500).nullish(),
    createdAt: text(64).nullish(),
    lastStatusAt: text(64).nullish(),
  }),
});

type BirdMessage = z.output<typeof notificationSchema>['payload'];

/**
 * Bird's outbound statuses in Parley's set. docs.bird.com lists accepted, sent, sending_failed,
 * delivered and delivery_failed; processing and failed are read the way their names say.
 */
const statusMap = new Map<string, OutboundStatus>([
  ['accepted', 'queued'],
  ['processing', 'sending'],
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['sending_failed', 'failed'],
  ['failed', 'failed'],
  ['delivery_failed', 'undelivered'],
]);

function messageContent(body: BirdMessage['body']): { text: string; mediaUrls: string[] } {
  const media = [...(body?.image?.images ?? []), ...(body?.file?.files ?? [])].map((m) => m.mediaUrl);
  return { text: body?.text?.text ?? body?.image?.text ?? body?.file?.text ?? '', mediaUrls: media };
}

function inboundMessage(message: BirdMessage, channel: BirdChannelConfig): InboundMessage {
  const { text: body, mediaUrls } = messageContent(message.body);
  // Bird names the receiving connector and, not always, its number: without one, the channel's.
  const receiver = message.receiver?.connector?.identifierValue;
  return {
    from: readPhone(message.sender?.contact?.identifierValue ?? '', 'payload.sender.contact.identifierValue'),
    to: (receiver ? toE164(receiver) : null) ?? channel.numbers[0]!,
    body,
    mediaUrls,
    providerMessageId: message.id,
    providerTime: readTimestamp(message.createdAt),
  };
}

function statusReceipt(message: BirdMessage, status: OutboundStatus, providerStatus: string): StatusReceipt {
  return {
    providerMessageId: message.id,
    status,
    providerStatus,
    errorCode: message.reason ? message.reason : null,
    providerTime: readTimestamp(message.lastStatusAt),
  };
}

export function parseBird(request: WebhookRequest, channel: BirdChannelConfig): WebhookEvent {
  const { event, payload } = readJsonBody(request, notificationSchema);
  if (event === 'sms.inbound') return { kind: 'inbound', message: inboundMessage(payload, channel) };
  if (event === 'sms.outbound') {
    const providerStatus = payload.status ?? '';
    const status = statusMap.get(providerStatus);
    if (!status) return { kind: 'ignored', reason: `outbound status "${providerStatus.slice(0, 40)}" is not one Parley tracks` };
    return { kind: 'status', receipt: statusReceipt(payload, status, providerStatus) };
  }
  return { kind: 'ignored', reason: `event ${event} is not used` };
}

const readRefusal: RefusalReader = (reply) => {
  const body = reply.json as { code?: unknown; message?: unknown } | undefined;
  return {
    code: typeof body?.code === 'string' ? body.code : null,
    ...(typeof body?.message === 'string' ? { message: body.message } : {}),
  };
};

export const defaultBirdApiUrl = 'https://api.bird.com';

/** A text message, or an image message (MMS-capable channels) carrying the text with the images. */
function messageBody(message: OutboundRequest): Record<string, unknown> {
  if (message.mediaUrls.length === 0) return { type: 'text', text: { text: message.body } };
  return {
    type: 'image',
    image: { ...(message.body ? { text: message.body } : {}), images: message.mediaUrls.map((mediaUrl) => ({ mediaUrl })) },
  };
}

async function send(message: OutboundRequest, channel: BirdChannelConfig): Promise<SendResult> {
  const reply = await callProvider(
    {
      seen: message.seen,
      url: `${channel.api_url ?? defaultBirdApiUrl}/workspaces/${channel.workspace_id}/channels/${channel.channel_id}/messages`,
      headers: { authorization: `AccessKey ${channel.access_key}` },
      json: {
        receiver: { contacts: [{ identifierKey: 'phonenumber', identifierValue: message.to }] },
        body: messageBody(message),
        // Bird keeps `reference` on the message and its status notifications.
        reference: message.id,
      },
      timeout: channel.send_timeout,
    },
    readRefusal,
  );
  const created = reply.json as { id?: unknown; status?: unknown } | undefined;
  if (typeof created?.id !== 'string' || created.id === '') throw new SendError('invalid_response', 'Bird answered without a message id');
  return {
    providerMessageId: created.id,
    status: (typeof created.status === 'string' ? statusMap.get(created.status) : undefined) ?? 'queued',
  };
}

export const birdAdapter: ProviderAdapter<BirdChannelConfig> = {
  signature: 'MessageBird-Signature (HMAC-SHA256) or MessageBird-Signature-JWT',
  verify: (request, channel) => verifyBird(request, channel.signing_key),
  // Bird sends sms.inbound and sms.outbound to the subscription's one URL.
  parse: (request, channel) => parseBird(request, channel),
  send,
};
