import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

const signingKey = 'kit-httpsms-signing-key';
const apiKey = 'kit-httpsms-api-key';

/** httpSMS's token does not cover the body; it is made asynchronously, so the kit builds it ahead. */
const tokens = new Map<string, string>();
async function tokenFor(url: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('api.httpsms.com').setAudience([url]).setIssuedAt(now).setNotBefore(now - 600).setExpirationTime(now + 600).sign(new TextEncoder().encode(signingKey));
}

function event(url: string, type: string, data: Record<string, unknown>): SignedRequest {
  const bare = url.split('?')[0]!;
  const token = tokens.get(bare);
  if (!token) throw new Error(`kit.prepare was not called for ${bare}`);
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-event-type': type },
    body: JSON.stringify({ id: randomUUID(), type, source: '/v1/messages', specversion: '1.0', time: new Date().toISOString(), datacontenttype: 'application/json', data }),
  };
}

export const kit: ProviderTestKit = {
  provider: 'httpsms',
  signsBody: false,
  inboundPath: 'events',
  statusPath: 'events',
  async prepare(urls) {
    for (const url of urls) tokens.set(url, await tokenFor(url));
  },
  channel: (name, number, apiUrl, publicUrl) => ({ name, provider: 'httpsms', numbers: [number], api_key: apiKey, signing_key: signingKey, api_url: apiUrl, public_url: publicUrl }),
  inbound: (m, url) => event(url, 'message.phone.received', { message_id: m.id, contact: m.from, owner: m.to, content: m.body, timestamp: new Date().toISOString(), sim: 'SIM1' }),
  status: (r, url) =>
    event(url, r.delivered ? 'message.phone.delivered' : 'message.send.failed', {
      id: r.providerMessageId,
      owner: r.from,
      contact: r.to,
      timestamp: new Date().toISOString(),
      ...(r.delivered ? {} : { error_message: 'RESULT_ERROR_NO_SERVICE' }),
    }),
  answerSend(req) {
    const json = (status: number, body: unknown) => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (req.headers['x-api-key'] !== apiKey) return json(401, { status: 'error', message: 'unauthorized' });
    if (req.method !== 'POST' || req.path !== '/v1/messages/send') return json(404, { status: 'error', message: 'not found' });
    const body = JSON.parse(req.body) as { from?: string; to?: string; content?: string; request_id?: string };
    if (!body.from || !body.to || !body.content) return json(422, { status: 'error', message: 'validation errors' });
    const id = randomUUID();
    return { ...json(200, { status: 'success', message: 'message added to queue', data: { id, request_id: body.request_id, status: 'pending' } }), sent: { to: body.to, body: body.content, providerMessageId: id, statusUrl: null } };
  },
};
