import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { jwtVerify, type JWTPayload } from 'jose';
import type { VerifyResult, WebhookRequest } from '../contract.js';
import { headerValue } from '../hmac.js';
import type { Params } from '../webhook-body.js';
import { readVonageBody, type VonageBody } from './body.js';
import type { VonageChannelConfig } from './config.js';

// Verifying a Vonage webhook: the SMS API's `sig` parameter (MD5 hash or HMAC over the sorted
// parameters) or the Messages API's HS256 JWT with a hash of the body, both with the account's
// signature secret.

/** How far a signed webhook's time may be from this server's clock. Vonage publishes no window; 5 minutes is Parley's choice. */
const windowSeconds = 300;

type SignatureMethod = VonageChannelConfig['signature_method'];

// Verifying

/**
 * Vonage's `sig`: every parameter but `sig`, sorted by name, each as `&name=value` with any `&`
 * and `=` inside the value replaced by `_`; then the MD5 of that plus the secret (`md5hash`), or
 * an HMAC of it keyed with the secret. Lower-case hex (Vonage's PHP SDK upper-cases HMACs; the
 * comparison ignores case).
 */
export function vonageSignature(params: ReadonlyMap<string, string>, secret: string, method: SignatureMethod): string {
  const input = [...params.keys()]
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${params.get(name)!.replace(/[&=]/g, '_')}`)
    .join('');
  if (method === 'md5hash')
    return createHash('md5')
      .update(input + secret)
      .digest('hex');
  return createHmac(method, secret).update(input).digest('hex');
}

/** Compares hex digests in constant time, without regard to case; anything not hex is unequal. */
function hexEquals(presented: string, expectedHex: string): boolean {
  if (!/^[0-9a-fA-F]+$/.test(presented) || presented.length !== expectedHex.length) return false;
  return timingSafeEqual(Buffer.from(presented.toLowerCase(), 'hex'), Buffer.from(expectedHex.toLowerCase(), 'hex'));
}

function secondsAway(seconds: number, receivedAt: number): number {
  return Math.abs(receivedAt / 1000 - seconds);
}

function firstRepeatedName(params: Params): string | undefined {
  const seen = new Set<string>();
  for (const [name] of params) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

const unsignedAdvice =
  'Vonage sends a webhook unsigned only when its own signing failed, so Parley answered 503 for Vonage to send it again. ' +
  'If every webhook arrives unsigned, signed webhooks are off for this account: turn them on (Dashboard → API settings), or set the channel to verify: monitor while setting up.';

function verifySig(params: Params, receivedAt: number, channel: VonageChannelConfig): VerifyResult {
  // Parsing reads the first of a repeated name; a signature over another reading would not cover it.
  const repeated = firstRepeatedName(params);
  if (repeated !== undefined)
    return { ok: false, reason: `parameter "${repeated.slice(0, 40)}" appears more than once; Vonage never repeats one` };
  const fields = new Map(params);
  const sig = fields.get('sig');
  if (!sig) return { ok: false, retry: true, reason: `no sig parameter. ${unsignedAdvice}` };
  if (!hexEquals(sig, vonageSignature(fields, channel.signature_secret, channel.signature_method))) {
    const names = [...fields.keys()].filter((name) => name !== 'sig').map((name) => name.slice(0, 40));
    return {
      ok: false,
      reason:
        `sig does not match: checked as ${channel.signature_method} over the ${names.length} parameters received (${names.slice(0, 20).join(', ')}) with the channel's signature_secret. ` +
        'Check that signature_method is the method chosen in the Vonage dashboard and that signature_secret is the current one.',
    };
  }
  // Vonage's docs list timestamp as optional; when it is there, it is signed, and it must be recent.
  const timestamp = fields.get('timestamp');
  if (timestamp !== undefined && (!/^\d{1,12}$/.test(timestamp) || secondsAway(Number(timestamp), receivedAt) > windowSeconds)) {
    return {
      ok: false,
      reason: `timestamp ${timestamp.slice(0, 20)} is more than ${windowSeconds} s from this server's clock (${Math.floor(receivedAt / 1000)}): a replayed webhook, or a clock that is off`,
    };
  }
  return { ok: true };
}

function bearerToken(request: WebhookRequest): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headerValue(request.headers, 'authorization') ?? '');
  return match ? match[1]! : null;
}

function sha256HexMatches(body: Buffer, presented: string): boolean {
  return hexEquals(presented, createHash('sha256').update(body).digest('hex'));
}

/**
 * A Messages API webhook: a JWT signed HS256 with the signature secret (whatever
 * `signature_method` says), whose `payload_hash` is the hex SHA-256 of the body and whose `iat`
 * is recent.
 */
async function verifyJwt(request: WebhookRequest, token: string, secret: string): Promise<VerifyResult> {
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      currentDate: new Date(request.receivedAt),
    }));
  } catch (error) {
    return {
      ok: false,
      reason: `the Authorization Bearer JWT does not verify as HS256 with the channel's signature_secret (${(error as Error).message}); Vonage signs Messages API webhooks with the account's signature secret`,
    };
  }
  const payloadHash = claims.payload_hash;
  if (typeof payloadHash !== 'string') return { ok: false, reason: 'the JWT has no payload_hash claim, so nothing ties it to this body' };
  if (!sha256HexMatches(request.rawBody, payloadHash))
    return { ok: false, reason: 'the JWT payload_hash is not the SHA-256 of the body: the body changed after Vonage signed it' };
  if (typeof claims.iat !== 'number' || secondsAway(claims.iat, request.receivedAt) > windowSeconds) {
    return {
      ok: false,
      reason: `the JWT was issued (iat ${String(claims.iat ?? 'missing')}) more than ${windowSeconds} s from this server's clock (${Math.floor(request.receivedAt / 1000)}): a replayed webhook, or a clock that is off`,
    };
  }
  return { ok: true };
}

export async function verifyVonage(request: WebhookRequest, channel: VonageChannelConfig): Promise<VerifyResult> {
  const token = bearerToken(request);
  if (token !== null) return verifyJwt(request, token, channel.signature_secret);
  let body: VonageBody;
  try {
    body = readVonageBody(request);
  } catch (error) {
    return { ok: false, reason: `the body cannot be read, so its signature cannot be checked (${(error as Error).message})` };
  }
  if (body.api === 'messages')
    return { ok: false, retry: true, reason: `a Messages API webhook without an Authorization: Bearer JWT. ${unsignedAdvice}` };
  return verifySig(body.params, request.receivedAt, channel);
}
