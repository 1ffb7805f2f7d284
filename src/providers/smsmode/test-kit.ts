import { randomBytes } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

// smsmode as the end-to-end test meets it: it signs nothing, so its callbacks carry the channel's
// secret in the URL (`?token=…`), to the URLs Parley gave it (status) or the operator set (replies);
// and a stand-in for POST /sms/v1/messages that checks X-Api-Key and the fields smsmode requires.

const webhookToken = 'kit-smsmode-webhook-token-0123456789';
const apiKey = 'kit-smsmode-api-key';

/** smsmode's message ids: 24 hex characters. */
const messageId = () => randomBytes(12).toString('hex');
const digits = (e164: string) => e164.replace(/^\+/, '');

/** The URL with the token, unless it already has one (the status URL Parley gave smsmode does). */
function tokenUrl(url: string): string {
  if (new URL(url).searchParams.has('token')) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${webhookToken}`;
}

function callback(url: string, body: Record<string, unknown>): SignedRequest {
  return { method: 'POST', url: tokenUrl(url), headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

type Answer = ReturnType<ProviderTestKit['answerSend']>;
const answer = (status: number, body: unknown): Answer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

function readRequest(
  body: string,
): { recipient?: { to?: unknown }; body?: { text?: unknown }; callbackUrlStatus?: unknown; refClient?: unknown } | null {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}

export const kit: ProviderTestKit & {
  /** The same callback without its credential: smsmode's is the URL token, not a header. */
  unauthenticated(request: SignedRequest): SignedRequest;
} = {
  provider: 'smsmode',
  // The token authenticates the URL, not the body.
  signsBody: false,
  inboundPath: 'inbound',
  statusPath: 'status',
  channel: (name, number, apiUrl, publicUrl) => ({
    name,
    provider: 'smsmode',
    numbers: [number],
    api_key: apiKey,
    webhook_token: webhookToken,
    api_url: apiUrl,
    public_url: publicUrl,
  }),
  inbound: (m, url) =>
    callback(url, {
      messageId: m.id,
      acceptedAt: new Date().toISOString(),
      direction: 'MO',
      type: 'SMS',
      from: digits(m.from),
      recipient: { to: digits(m.to) },
      body: { text: m.body, encoding: 'GSM7', length: m.body.length, messagePartCount: 1 },
      sentDate: new Date().toISOString(),
    }),
  status: (r, url) =>
    callback(url, {
      messageId: r.providerMessageId,
      direction: 'MT',
      type: 'SMS',
      from: '36034',
      recipient: { to: digits(r.to) },
      status: r.delivered
        ? { value: 'DELIVERED', deliveryDate: new Date().toISOString() }
        : { value: 'UNDELIVERABLE', detail: 'INVALID_PHONE_NUMBER', deliveryDate: new Date().toISOString() },
    }),
  unauthenticated: (request) => {
    const url = new URL(request.url);
    url.searchParams.delete('token');
    return { ...request, url: url.toString() };
  },
  answerSend(req) {
    if (req.headers['x-api-key'] !== apiKey) return answer(401, { errorCode: 'UNAUTHORIZED', detail: 'Invalid API key' });
    if (req.method !== 'POST' || req.path !== '/sms/v1/messages')
      return answer(404, { errorCode: 'NOT_FOUND', detail: `No route for ${req.method} ${req.path}` });
    const body = readRequest(req.body);
    const to = body?.recipient?.to;
    const text = body?.body?.text;
    if (typeof to !== 'string' || !/^\d{8,15}$/.test(to))
      return answer(400, { errorCode: 'INVALID_PHONE_NUMBER', detail: 'recipient.to must be an international number without "+"' });
    if (typeof text !== 'string' || text === '') return answer(400, { errorCode: 'INVALID_BODY', detail: 'body.text is required' });
    const id = messageId();
    const statusUrl = typeof body?.callbackUrlStatus === 'string' ? body.callbackUrlStatus : null;
    return {
      ...answer(201, {
        messageId: id,
        acceptedAt: new Date().toISOString(),
        direction: 'MT',
        type: 'SMS',
        recipient: { to },
        body: { text, messagePartCount: 1 },
        refClient: body?.refClient,
        status: { value: 'ENROUTE' },
      }),
      sent: { to: `+${to}`, body: text, providerMessageId: id, statusUrl },
    };
  },
};
