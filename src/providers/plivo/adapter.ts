import { createHmac, timingSafeEqual } from 'node:crypto';
import type { OutboundStatus } from '../../core/message-status.js';
import { ParleyError } from '../../errors.js';
import {
  SendError,
  type OutboundRequest,
  type ProviderAdapter,
  type SendResult,
  type StatusReceipt,
  type VerifyResult,
  type WebhookEvent,
  type WebhookPath,
  type WebhookRequest,
} from '../contract.js';
import { headerValue } from '../hmac.js';
import { signedUrlMismatch } from '../signed-url.js';
import { basicAuth, callProvider } from '../provider-http.js';
import { firstValues, formParams, isForm, queryParams, readPhone, readTimestamp, requireField, type Params } from '../webhook-body.js';
import type { PlivoChannelConfig } from './config.js';

// Plivo: form webhooks signed with X-Plivo-Signature-V3 (HMAC-SHA256 of the URL Plivo called and
// the parameters, plus a nonce); sends through the REST API with Basic auth.

/** Names sorted; a name's values sorted too. */
function sortedPairs(params: Params): Array<[string, string]> {
  return [...params].sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
}

/**
 * The string Plivo signs (V3), as its Node library builds it: the URL without its query; then for
 * GET `?` and the query and parameters as sorted `name=value` joined by `&`; for POST `?` and the
 * sorted query (`name=value&…`), a `.` when there are both, and the sorted body parameters as
 * `namevalue` with no separators. Then `.` and the nonce.
 */
export function plivoSigningInput(url: string, method: string, body: Params, nonce: string): string {
  const queryAt = url.indexOf('?');
  const base = (queryAt === -1 ? url : url.slice(0, queryAt)).replace(/#.*$/, '');
  const query: Params = queryAt === -1 ? [] : [...new URLSearchParams(url.slice(queryAt + 1).replace(/#.*$/, ''))];
  const queryString = (pairs: Params) =>
    sortedPairs(pairs)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
  let signed = base;
  if (method === 'GET') {
    const all = queryString([...query, ...body]);
    if (all) signed += `?${all}`;
  } else {
    const q = queryString(query);
    if (q || body.length > 0) signed += `?${q}`;
    if (q && body.length > 0) signed += '.';
    signed += sortedPairs(body)
      .map(([k, v]) => `${k}${v}`)
      .join('');
  }
  return `${signed}.${nonce}`;
}

export function verifyPlivo(request: WebhookRequest, authToken: string): VerifyResult {
  const header = headerValue(request.headers, 'x-plivo-signature-v3');
  const nonce = headerValue(request.headers, 'x-plivo-signature-v3-nonce');
  if (!header || !nonce) return { ok: false, reason: 'X-Plivo-Signature-V3 or its nonce header is missing' };
  let body: Params = [];
  if (request.method !== 'GET' && request.rawBody.length > 0) {
    if (!isForm(request)) return { ok: false, reason: `a ${request.contentType ?? 'untyped'} body cannot be checked (Plivo posts forms)` };
    body = formParams(request);
  }
  const signedOver = (url: string) => {
    const expected = createHmac('sha256', authToken)
      .update(plivoSigningInput(url, request.method, body, nonce))
      .digest();
    // Several signatures when the account has more than one Auth Token: any may match.
    return header.split(',').some((candidate) => {
      const given = Buffer.from(candidate.trim(), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  };
  return signedOver(request.publicUrl)
    ? { ok: true }
    : { ok: false, reason: `X-Plivo-Signature-V3 does not match; ${signedUrlMismatch('Plivo', request.publicUrl, signedOver)}` };
}

/** Plivo's Status values in Parley's set; a Map, so a name like `constructor` finds nothing inherited. */
const statusMap = new Map<string, OutboundStatus | null>([
  ['queued', 'queued'],
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['undelivered', 'undelivered'],
  ['failed', 'failed'],
  ['rejected', 'failed'],
  ['read', null],
  ['received', null],
]);

/** Plivo's times are `YYYY-MM-DD HH:MM:SS(.ffffff)` in UTC. */
function plivoTime(value: string | undefined): number | null {
  if (!value) return null;
  const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d{1,6})?$/.exec(value);
  return match ? readTimestamp(`${match[1]}T${match[2]}${(match[3] ?? '').slice(0, 4)}Z`) : readTimestamp(value);
}

function parseStatus(fields: Map<string, string>): WebhookEvent {
  const providerStatus = requireField(fields, 'Status');
  const status = statusMap.get(providerStatus);
  if (status === undefined)
    throw new ParleyError('invalid_payload', `Status: "${providerStatus.slice(0, 40)}" is not a Plivo message status`);
  if (!status) return { kind: 'ignored', reason: `Status ${providerStatus} is not tracked` };
  const uuid = requireField(fields, 'MessageUUID');
  const errorCode = fields.get('ErrorCode');
  const receipt: StatusReceipt = {
    // Each part of a long message is reported under its own UUID; ParentMessageUUID is the message's.
    providerMessageId: fields.get('ParentMessageUUID') || uuid,
    status,
    providerStatus,
    errorCode: errorCode && !/^0+$/.test(errorCode) ? errorCode : null,
    providerTime: plivoTime(fields.get('DeliveryReportTime') ?? fields.get('SentTime') ?? fields.get('MessageTime')),
  };
  const partInfo = /^(\d+) of (\d+)$/.exec(fields.get('PartInfo') ?? '');
  if (partInfo && Number(partInfo[2]) > 1) receipt.part = { key: partInfo[1]!, total: Number(partInfo[2]) };
  return { kind: 'status', receipt };
}

function parseInbound(fields: Map<string, string>): WebhookEvent {
  const mediaCount = Math.min(Number(fields.get('MediaCount') ?? '0') || 0, 32);
  const mediaUrls: string[] = [];
  for (let i = 1; i <= mediaCount; i++) {
    const url = fields.get(`Media${i}`);
    if (url) mediaUrls.push(url);
  }
  return {
    kind: 'inbound',
    message: {
      from: readPhone(requireField(fields, 'From'), 'From'),
      to: readPhone(requireField(fields, 'To'), 'To'),
      // Plivo joins the parts of a long SMS itself; MMS and WhatsApp put the text in Body.
      body: fields.get('Text') ?? fields.get('Body') ?? '',
      mediaUrls,
      providerMessageId: requireField(fields, 'MessageUUID'),
      providerTime: null,
    },
  };
}

export function parsePlivo(request: WebhookRequest, path: WebhookPath): WebhookEvent {
  const fields = firstValues(request.method === 'GET' ? queryParams(request) : formParams(request));
  const isReceipt = path === 'status' || (path === 'events' && fields.has('Status'));
  return isReceipt ? parseStatus(fields) : parseInbound(fields);
}

export const defaultPlivoApiUrl = 'https://api.plivo.com';

async function send(message: OutboundRequest, channel: PlivoChannelConfig): Promise<SendResult> {
  const reply = await callProvider(
    {
      seen: message.seen,
      url: `${channel.api_url ?? defaultPlivoApiUrl}/v1/Account/${channel.auth_id}/Message/`,
      headers: { authorization: basicAuth(channel.auth_id, channel.auth_token) },
      json: {
        src: message.from.replace(/^\+/, ''),
        dst: message.to.replace(/^\+/, ''),
        text: message.body,
        ...(message.mediaUrls.length > 0 ? { type: 'mms', media_urls: message.mediaUrls } : {}),
        ...(message.statusCallbackUrl ? { url: message.statusCallbackUrl, method: 'POST' } : {}),
      },
      timeout: channel.send_timeout,
    },
    (reply) => {
      const error = (reply.json as { error?: unknown } | undefined)?.error;
      return { code: null, ...(typeof error === 'string' ? { message: error } : {}) };
    },
  );
  const uuid = (reply.json as { message_uuid?: unknown } | undefined)?.message_uuid;
  const first: unknown = Array.isArray(uuid) ? (uuid as unknown[])[0] : uuid;
  if (typeof first !== 'string' || first === '') throw new SendError('invalid_response', 'Plivo answered without a message_uuid');
  return { providerMessageId: first, status: 'queued' };
}

export const plivoAdapter: ProviderAdapter<PlivoChannelConfig> = {
  signature: 'X-Plivo-Signature-V3: HMAC-SHA256 of URL and nonce',
  verify: (request, channel) => verifyPlivo(request, channel.auth_token),
  parse: (request, _channel, path) => parsePlivo(request, path),
  send,
};
