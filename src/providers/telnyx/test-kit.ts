import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

// Telnyx as the end-to-end test meets it: Ed25519-signed events on one URL, and a stand-in for
// POST /v2/messages that checks the Bearer key and the fields the real API requires.

// A key pair standing in for the account's: the channel gets the raw public key, the kit signs.
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const rawPublicKey = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
const apiKey = 'KEYkit0123456789abcdef';

function signedEvent(url: string, eventType: string, payload: Record<string, unknown>): SignedRequest {
  const body = JSON.stringify({
    data: { record_type: 'event', id: randomUUID(), event_type: eventType, occurred_at: new Date().toISOString(), payload },
    meta: { attempt: 1, delivered_to: url },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(`${timestamp}|${body}`), privateKey).toString('base64');
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'telnyx-timestamp': timestamp, 'telnyx-signature-ed25519': signature },
    body,
  };
}

type Answer = ReturnType<ProviderTestKit['answerSend']>;
const answer = (status: number, body: unknown): Answer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });
const refusal = (status: number, code: string, title: string, detail: string): Answer =>
  answer(status, { errors: [{ code, title, detail }] });

export const kit: ProviderTestKit = {
  provider: 'telnyx',
  inboundPath: 'events',
  statusPath: 'events',
  channel: (name, number, apiUrl, publicUrl) => ({
    name,
    provider: 'telnyx',
    numbers: [number],
    api_key: apiKey,
    public_key: rawPublicKey,
    api_url: apiUrl,
    public_url: publicUrl,
  }),
  inbound: (m, url) =>
    signedEvent(url, 'message.received', {
      record_type: 'message',
      direction: 'inbound',
      id: m.id,
      type: 'SMS',
      from: { phone_number: m.from, carrier: 'T-MOBILE USA, INC.', line_type: 'Wireless' },
      to: [{ phone_number: m.to, status: 'webhook_delivered', carrier: 'TELNYX LLC', line_type: 'VoIP' }],
      cc: [],
      text: m.body,
      media: [],
      encoding: 'GSM-7',
      parts: 1,
      received_at: new Date().toISOString(),
      errors: [],
    }),
  status: (r, url) =>
    signedEvent(url, 'message.finalized', {
      record_type: 'message',
      direction: 'outbound',
      id: r.providerMessageId,
      type: 'SMS',
      from: { phone_number: r.from },
      to: [{ phone_number: r.to, status: r.delivered ? 'delivered' : 'delivery_failed' }],
      completed_at: new Date().toISOString(),
      errors: r.delivered ? [] : [{ code: '40008', title: 'Undeliverable' }],
    }),
  answerSend(req) {
    if (req.headers.authorization !== `Bearer ${apiKey}`)
      return refusal(
        401,
        '10009',
        'Authentication failed',
        'The required authentication headers were either invalid or not included in the request.',
      );
    if (req.method !== 'POST' || req.path !== '/v2/messages')
      return refusal(404, '10005', 'Resource not found', 'The requested resource or URL could not be found.');
    let body: { from?: unknown; to?: unknown; text?: unknown; media_urls?: unknown; messaging_profile_id?: unknown; webhook_url?: unknown };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return refusal(400, '10023', 'Invalid JSON', 'The supplied JSON is invalid.');
    }
    if (typeof body.to !== 'string' || !/^\+\d{8,15}$/.test(body.to))
      return refusal(422, '40310', "Invalid 'to' address", 'The to address must be in +E.164 format.');
    if (typeof body.from !== 'string' && typeof body.messaging_profile_id !== 'string')
      return refusal(422, '10004', 'Missing required parameter', 'from or messaging_profile_id is required.');
    const hasMedia = Array.isArray(body.media_urls) && body.media_urls.length > 0;
    if ((typeof body.text !== 'string' || body.text === '') && !hasMedia)
      return refusal(422, '10004', 'Missing required parameter', 'text is required for SMS.');
    const id = randomUUID();
    const text = typeof body.text === 'string' ? body.text : '';
    return {
      ...answer(200, {
        data: {
          record_type: 'message',
          direction: 'outbound',
          id,
          type: hasMedia ? 'MMS' : 'SMS',
          from: { phone_number: body.from },
          to: [{ phone_number: body.to, status: 'queued' }],
          text,
          errors: [],
        },
      }),
      sent: { to: body.to, body: text, providerMessageId: id, statusUrl: typeof body.webhook_url === 'string' ? body.webhook_url : null },
    };
  },
};
