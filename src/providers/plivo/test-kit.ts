import { createHmac, randomUUID } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

const authId = 'MAKITXXXXXXXXXXXXXXX';
const authToken = 'kit-plivo-auth-token-0123';

// Signs as Plivo's V3 does for a form POST: URL, `?`, the sorted query, `.` if both, the sorted
// `namevalue` pairs, then `.` and the nonce; HMAC-SHA256 with the Auth Token, base64.
function signedForm(url: string, params: Record<string, string>): SignedRequest {
  const [base, query = ''] = url.split('?') as [string, string?];
  const q = [...new URLSearchParams(query)]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const pairs = Object.keys(params)
    .sort()
    .map((k) => k + params[k])
    .join('');
  const nonce = randomUUID();
  const input = `${base}?${q}${q ? '.' : ''}${pairs}.${nonce}`;
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-plivo-signature-v3': createHmac('sha256', authToken).update(input).digest('base64'),
      'x-plivo-signature-v3-nonce': nonce,
    },
    body: new URLSearchParams(params).toString(),
  };
}

const bare = (phone: string) => phone.replace(/^\+/, '');

export const kit: ProviderTestKit = {
  provider: 'plivo',
  inboundPath: 'inbound',
  statusPath: 'status',
  channel: (name, number, apiUrl, publicUrl) => ({
    name,
    provider: 'plivo',
    numbers: [number],
    auth_id: authId,
    auth_token: authToken,
    api_url: apiUrl,
    public_url: publicUrl,
  }),
  inbound: (m, url) => signedForm(url, { From: bare(m.from), To: bare(m.to), Type: 'sms', Text: m.body, MessageUUID: m.id, Units: '1' }),
  status: (r, url) =>
    signedForm(url, {
      MessageUUID: r.providerMessageId,
      ParentMessageUUID: r.providerMessageId,
      PartInfo: '1 of 1',
      From: bare(r.from),
      To: bare(r.to),
      Type: 'sms',
      Status: r.delivered ? 'delivered' : 'undelivered',
      ErrorCode: r.delivered ? '000' : '30',
    }),
  answerSend(req) {
    const json = (status: number, body: unknown) => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (req.headers.authorization !== `Basic ${Buffer.from(`${authId}:${authToken}`).toString('base64')}`)
      return json(401, { error: 'authentication failed' });
    if (req.method !== 'POST' || req.path !== `/v1/Account/${authId}/Message/`) return json(404, { error: 'not found' });
    const body = JSON.parse(req.body) as { src?: string; dst?: string; text?: string; url?: string };
    if (!body.src || !body.dst || !body.text) return json(400, { error: 'src, dst and text are required' });
    const uuid = randomUUID();
    return {
      ...json(202, { api_id: randomUUID(), message: 'message(s) queued', message_uuid: [uuid] }),
      sent: { to: `+${body.dst}`, body: body.text, providerMessageId: uuid, statusUrl: body.url ?? null },
    };
  },
};
