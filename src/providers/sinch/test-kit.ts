import { createHmac, randomUUID } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

const secret = 'kit-sinch-callback-secret';
const token = 'kit-sinch-api-token-01';
const plan = 'kitplan';

function signedJson(url: string, event: Record<string, unknown>): SignedRequest {
  const body = JSON.stringify(event);
  const nonce = randomUUID();
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/json',
      'x-sinch-webhook-signature': createHmac('sha256', secret).update(`${body}.${nonce}.${timestamp}`).digest('base64'),
      'x-sinch-webhook-signature-nonce': nonce,
      'x-sinch-webhook-signature-timestamp': timestamp,
      'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
    },
    body,
  };
}

export const kit: ProviderTestKit = {
  provider: 'sinch',
  inboundPath: 'events',
  statusPath: 'events',
  channel: (name, number, apiUrl, publicUrl) => ({ name, provider: 'sinch', numbers: [number], service_plan_id: plan, api_token: token, callback_secret: secret, api_url: apiUrl, public_url: publicUrl }),
  inbound: (m, url) => signedJson(url, { id: m.id, type: 'mo_text', from: m.from.slice(1), to: m.to.slice(1), body: m.body, received_at: new Date().toISOString() }),
  status: (r, url) =>
    signedJson(url, { type: 'recipient_delivery_report_sms', batch_id: r.providerMessageId, recipient: r.to, status: r.delivered ? 'Delivered' : 'Failed', code: r.delivered ? 0 : 402, at: new Date().toISOString() }),
  answerSend(req) {
    const json = (status: number, body: unknown) => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (req.headers.authorization !== `Bearer ${token}`) return json(401, { code: 'unauthorized', text: 'bad token' });
    if (req.method !== 'POST' || req.path !== `/xms/v1/${plan}/batches`) return json(404, { code: 'not_found', text: 'no such plan' });
    const body = JSON.parse(req.body) as { from?: string; to?: string[]; body?: string; callback_url?: string };
    if (!body.from || !body.to?.[0] || !body.body) return json(400, { code: 'missing_parameter', text: 'from, to and body are required' });
    const id = randomUUID().replace(/-/g, '').slice(0, 26).toUpperCase();
    return { ...json(201, { id, to: body.to, from: body.from, body: body.body }), sent: { to: body.to[0], body: body.body, providerMessageId: id, statusUrl: body.callback_url ?? null } };
  },
};
