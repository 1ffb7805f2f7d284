import { createHmac, randomUUID } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

const secret = 'kit-textbee-signing-secret';
const apiKey = 'kit-textbee-api-key';

// textbee signs JSON.stringify(payload), which is also the body it sends.
function signed(url: string, payload: Record<string, unknown>): SignedRequest {
  const body = JSON.stringify({ deviceId: 'kitdevice', webhookSubscriptionId: 'kitsub', idempotencyKey: randomUUID(), ...payload });
  return { method: 'POST', url, headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', secret).update(body).digest('hex') }, body };
}

export const kit: ProviderTestKit = {
  provider: 'textbee',
  inboundPath: 'events',
  statusPath: 'events',
  channel: (name, number, apiUrl, publicUrl) => ({ name, provider: 'textbee', numbers: [number], api_key: apiKey, signing_secret: secret, api_url: apiUrl, public_url: publicUrl }),
  inbound: (m, url) => signed(url, { webhookEvent: 'MESSAGE_RECEIVED', smsId: m.id, message: m.body, sender: m.from, receivedAt: new Date().toISOString() }),
  status: (r, url) =>
    signed(url, {
      webhookEvent: r.delivered ? 'MESSAGE_DELIVERED' : 'MESSAGE_FAILED',
      smsId: randomUUID(),
      smsBatchId: r.providerMessageId,
      recipient: r.to,
      status: r.delivered ? 'delivered' : 'failed',
      ...(r.delivered ? { deliveredAt: new Date().toISOString() } : { errorCode: 'RESULT_ERROR_NO_SERVICE', failedAt: new Date().toISOString() }),
    }),
  answerSend(req) {
    const json = (status: number, body: unknown) => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (req.headers['x-api-key'] !== apiKey) return json(401, { message: 'Unauthorized' });
    if (req.method !== 'POST' || req.path !== '/api/v1/gateway/send-sms') return json(404, { message: 'Not Found' });
    const body = JSON.parse(req.body) as { recipients?: string[]; message?: string };
    const to = body.recipients?.[0];
    if (!to || !body.message) return json(400, { error: 'recipients and message are required' });
    const batch = randomUUID().replace(/-/g, '').slice(0, 24);
    return { ...json(201, { data: { success: true, message: 'SMS added to queue for processing', smsBatchId: batch, recipientCount: 1 } }), sent: { to, body: body.message, providerMessageId: batch, statusUrl: null } };
  },
};
