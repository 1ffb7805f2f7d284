import { createHmac, randomUUID } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

const signingKey = 'kit-gateway-signing-key';
const username = 'kituser';
const password = 'kitpass';

function signedEvent(url: string, event: string, payload: Record<string, unknown>): SignedRequest {
  const body = JSON.stringify({ deviceId: 'kitdevice', event, id: randomUUID().replace(/-/g, '').slice(0, 21), payload, webhookId: 'kit-webhook' });
  const timestamp = String(Math.floor(Date.now() / 1000));
  return { method: 'POST', url, headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', signingKey).update(body + timestamp).digest('hex'), 'x-timestamp': timestamp }, body };
}

export const kit: ProviderTestKit = {
  provider: 'android-sms-gateway',
  inboundPath: 'events',
  statusPath: 'events',
  channel: (name, number, apiUrl, publicUrl) => ({ name, provider: 'android-sms-gateway', numbers: [number], username, password, signing_key: signingKey, api_url: apiUrl, public_url: publicUrl }),
  inbound: (m, url) => signedEvent(url, 'sms:received', { messageId: m.id, message: m.body, sender: m.from, recipient: m.to, simNumber: 1, receivedAt: new Date().toISOString() }),
  status: (r, url) =>
    r.delivered
      ? signedEvent(url, 'sms:delivered', { messageId: r.providerMessageId, phoneNumber: r.to, deliveredAt: new Date().toISOString() })
      : signedEvent(url, 'sms:failed', { messageId: r.providerMessageId, phoneNumber: r.to, failedAt: new Date().toISOString(), reason: 'RESULT_ERROR_GENERIC_FAILURE' }),
  answerSend(req) {
    const json = (status: number, body: unknown) => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (req.headers.authorization !== `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`) return json(401, { message: 'Unauthorized' });
    if (req.method !== 'POST' || req.path !== '/3rdparty/v1/messages') return json(404, { message: 'Not Found' });
    const body = JSON.parse(req.body) as { id?: string; textMessage?: { text?: string }; phoneNumbers?: string[] };
    const to = body.phoneNumbers?.[0];
    const text = body.textMessage?.text;
    if (!to || !text) return json(400, { message: 'textMessage.text and phoneNumbers are required' });
    const id = body.id ?? randomUUID();
    return { ...json(202, { id, state: 'Pending', recipients: [{ phoneNumber: to, state: 'Pending' }] }), sent: { to, body: text, providerMessageId: id, statusUrl: null } };
  },
};
