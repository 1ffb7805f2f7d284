import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

// A key pair standing in for the account's: the channel gets the raw public key, the kit signs.
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const rawPublicKey = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
const apiKey = 'KEYkit0123456789abcdef';

function signedEvent(url: string, eventType: string, payload: Record<string, unknown>): SignedRequest {
  const body = JSON.stringify({ data: { record_type: 'event', id: randomUUID(), event_type: eventType, occurred_at: new Date().toISOString(), payload }, meta: { attempt: 1 } });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(`${timestamp}|${body}`), privateKey).toString('base64');
  return { method: 'POST', url, headers: { 'content-type': 'application/json', 'telnyx-timestamp': timestamp, 'telnyx-signature-ed25519': signature }, body };
}

export const kit: ProviderTestKit = {
  provider: 'telnyx',
  inboundPath: 'events',
  statusPath: 'events',
  channel: (name, number, apiUrl, publicUrl) => ({ name, provider: 'telnyx', numbers: [number], api_key: apiKey, public_key: rawPublicKey, api_url: apiUrl, public_url: publicUrl }),
  inbound: (m, url) =>
    signedEvent(url, 'message.received', {
      record_type: 'message',
      direction: 'inbound',
      id: m.id,
      type: 'SMS',
      from: { phone_number: m.from },
      to: [{ phone_number: m.to, status: 'webhook_delivered' }],
      text: m.body,
      media: [],
      received_at: new Date().toISOString(),
    }),
  status: (r, url) =>
    signedEvent(url, 'message.finalized', {
      record_type: 'message',
      direction: 'outbound',
      id: r.providerMessageId,
      from: { phone_number: r.from },
      to: [{ phone_number: r.to, status: r.delivered ? 'delivered' : 'delivery_failed' }],
      errors: r.delivered ? [] : [{ code: '40008', title: 'Undeliverable' }],
    }),
  answerSend(req) {
    const json = (status: number, body: unknown) => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (req.headers.authorization !== `Bearer ${apiKey}`) return json(401, { errors: [{ code: '10009', title: 'Authentication failed' }] });
    if (req.method !== 'POST' || req.path !== '/v2/messages') return json(404, { errors: [{ code: '10005', title: 'Resource not found' }] });
    const body = JSON.parse(req.body) as { from?: string; to?: string; text?: string; webhook_url?: string };
    if (!body.to || !body.from || !body.text) return json(422, { errors: [{ code: '10015', title: 'Invalid parameter' }] });
    const id = randomUUID();
    return {
      ...json(200, { data: { record_type: 'message', id, to: [{ phone_number: body.to, status: 'queued' }], text: body.text } }),
      sent: { to: body.to, body: body.text, providerMessageId: id, statusUrl: body.webhook_url ?? null },
    };
  },
};
