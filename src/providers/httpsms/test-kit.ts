import { createHmac, randomUUID } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

// httpSMS as the end-to-end test meets it: CloudEvents with the Bearer JWT httpSMS makes
// (golang-jwt StandardClaims: aud = the webhook URL as a string, iss, sub, iat, nbf/exp ±10 min),
// built here with node:crypto rather than a JWT library, and a stand-in for POST /v1/messages/send.

const signingKey = 'kit-httpsms-signing-key-0123';
const apiKey = 'kit-httpsms-api-key';
const userId = 'XtABz6zdeFMoBLoltz6SREDvRSh2';

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** An HS256 JWT for the webhook URL, as httpSMS's webhook service issues one per request. */
export function httpsmsToken(url: string, key = signingKey, now = Math.floor(Date.now() / 1000)): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = base64url(JSON.stringify({ aud: url, exp: now + 600, iat: now, iss: 'api.httpsms.com', nbf: now - 600, sub: userId }));
  const signature = createHmac('sha256', key).update(`${header}.${claims}`).digest('base64url');
  return `${header}.${claims}.${signature}`;
}

function event(url: string, type: string, source: string, data: Record<string, unknown>): SignedRequest {
  const body = JSON.stringify({
    data,
    datacontenttype: 'application/json',
    id: randomUUID(),
    source,
    specversion: '1.0',
    time: new Date().toISOString(),
    type,
  });
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'x-event-type': type, authorization: `Bearer ${httpsmsToken(url)}` },
    body,
  };
}

type Answer = ReturnType<ProviderTestKit['answerSend']>;
const answer = (status: number, body: unknown): Answer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

function readRequest(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const kit: ProviderTestKit = {
  provider: 'httpsms',
  signsBody: false,
  inboundPath: 'events',
  statusPath: 'events',
  channel: (name, number, apiUrl, publicUrl) => ({
    name,
    provider: 'httpsms',
    numbers: [number],
    api_key: apiKey,
    signing_key: signingKey,
    api_url: apiUrl,
    public_url: publicUrl,
  }),
  inbound: (m, url) =>
    event(url, 'message.phone.received', '/v1/messages/receive', {
      message_id: m.id,
      user_id: userId,
      owner: m.to,
      contact: m.from,
      timestamp: new Date().toISOString(),
      content: m.body,
      sim: 'SIM1',
    }),
  status: (r, url) => {
    const common = {
      id: r.providerMessageId,
      owner: r.from,
      contact: r.to,
      user_id: userId,
      timestamp: new Date().toISOString(),
      content: 'x',
      sim: 'SIM1',
    };
    return r.delivered
      ? event(url, 'message.phone.delivered', '/v1/messages/delivered', { ...common, request_id: null, encrypted: false })
      : event(url, 'message.send.failed', '/v1/messages/failed', { ...common, request_id: null, error_message: 'RESULT_ERROR_NO_SERVICE' });
  },
  answerSend(req) {
    if (req.headers['x-api-key'] !== apiKey)
      return answer(401, {
        message: 'You are not authorized to carry out this request.',
        status: 'error',
        data: 'Make sure your API key is set in the [X-API-Key] header in the request',
      });
    if (req.method !== 'POST' || req.path !== '/v1/messages/send') return answer(404, { message: 'Route not found', status: 'error' });
    const body = readRequest(req.body);
    const errors: Record<string, string[]> = {};
    for (const field of ['from', 'to'] as const) {
      if (typeof body?.[field] !== 'string' || !/^\+\d{8,15}$/.test(body[field]))
        errors[field] = [`The ${field} field must be a valid E.164 phone number.`];
    }
    if (typeof body?.content !== 'string' || body.content === '') errors.content = ['The content field is required.'];
    if (Object.keys(errors).length > 0)
      return answer(422, { data: errors, message: 'validation errors while sending message', status: 'error' });
    const id = randomUUID();
    const now = new Date().toISOString();
    return {
      ...answer(200, {
        data: {
          id,
          request_id: body!.request_id ?? null,
          owner: body!.from,
          user_id: userId,
          contact: body!.to,
          content: body!.content,
          type: 'mobile-terminated',
          status: 'pending',
          sim: 'SIM1',
          encrypted: false,
          created_at: now,
          updated_at: now,
          request_received_at: now,
          send_attempt_count: 0,
          max_send_attempts: 2,
        },
        message: 'message added to queue',
        status: 'success',
      }),
      sent: { to: body!.to as string, body: body!.content as string, providerMessageId: id, statusUrl: null },
    };
  },
};
