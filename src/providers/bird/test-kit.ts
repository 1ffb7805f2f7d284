import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

const signingKey = 'kit-bird-signing-key';
const accessKey = 'kit-bird-access-key';

function signedNotification(url: string, event: string, payload: Record<string, unknown>): SignedRequest {
  const body = JSON.stringify({ service: 'channels', event, payload });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', signingKey)
    .update(Buffer.concat([Buffer.from(`${timestamp}\n${url}\n`), createHash('sha256').update(body).digest()]))
    .digest('base64');
  return { method: 'POST', url, headers: { 'content-type': 'application/json', 'messagebird-signature': signature, 'messagebird-request-timestamp': timestamp }, body };
}

export const kit: ProviderTestKit = {
  provider: 'bird',
  inboundPath: 'events',
  statusPath: 'events',
  channel: (name, number, apiUrl, publicUrl) => ({ name, provider: 'bird', numbers: [number], access_key: accessKey, workspace_id: 'kitws', channel_id: 'kitch', signing_key: signingKey, api_url: apiUrl, public_url: publicUrl }),
  inbound: (m, url) =>
    signedNotification(url, 'sms.inbound', {
      id: m.id,
      sender: { contact: { identifierKey: 'phonenumber', identifierValue: m.from } },
      body: { type: 'text', text: { text: m.body } },
      status: 'delivered',
      direction: 'incoming',
      createdAt: new Date().toISOString(),
    }),
  status: (r, url) => signedNotification(url, 'sms.outbound', { id: r.providerMessageId, status: r.delivered ? 'delivered' : 'delivery_failed', direction: 'outgoing', lastStatusAt: new Date().toISOString() }),
  answerSend(req) {
    const json = (status: number, body: unknown) => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (req.headers.authorization !== `AccessKey ${accessKey}`) return json(401, { code: 'Unauthorized', message: 'bad access key' });
    if (req.method !== 'POST' || req.path !== '/workspaces/kitws/channels/kitch/messages') return json(404, { code: 'NotFound', message: 'no such channel' });
    const body = JSON.parse(req.body) as { receiver?: { contacts?: Array<{ identifierValue?: string }> }; body?: { text?: { text?: string } } };
    const to = body.receiver?.contacts?.[0]?.identifierValue;
    const text = body.body?.text?.text;
    if (!to || !text) return json(422, { code: 'InvalidPayload', message: 'receiver and body are required' });
    const id = randomUUID();
    return { ...json(202, { id, status: 'accepted' }), sent: { to, body: text, providerMessageId: id, statusUrl: null } };
  },
};
