import { createHmac, randomBytes } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

// SMS Gateway for Android as the end-to-end test meets it: events signed the way the app signs
// them (hex HMAC-SHA256 of body + timestamp, computed here with node:crypto), and a stand-in for
// POST /3rdparty/v1/messages that checks Basic auth and the fields the gateway requires.

const signingKey = 'kit-gateway-signing-key';
const username = 'KITUSER';
const password = 'kitpassword01';
const deviceId = 'ffffffffceb0b1db0000018e937c815b';

/** The gateway's ids: 21 URL-safe characters. */
const eventId = () => randomBytes(16).toString('base64url').slice(0, 21);

function signedEvent(url: string, event: string, payload: Record<string, unknown>): SignedRequest {
  const body = JSON.stringify({ deviceId, event, id: eventId(), payload, webhookId: `kit-${event}` });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', signingKey)
    .update(body + timestamp)
    .digest('hex');
  return { method: 'POST', url, headers: { 'content-type': 'application/json', 'x-signature': signature, 'x-timestamp': timestamp }, body };
}

type Answer = ReturnType<ProviderTestKit['answerSend']>;
const answer = (status: number, body: unknown): Answer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

/** Ids the stand-in has accepted: the gateway refuses a second message with the same id (409). */
const accepted = new Set<string>();

interface MessageRequest {
  id?: unknown;
  textMessage?: { text?: unknown };
  phoneNumbers?: unknown;
}

function readRequest(body: string): MessageRequest | null {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}

export const kit: ProviderTestKit = {
  provider: 'android-sms-gateway',
  inboundPath: 'events',
  statusPath: 'events',
  channel: (name, number, apiUrl, publicUrl) => ({
    name,
    provider: 'android-sms-gateway',
    numbers: [number],
    username,
    password,
    signing_key: signingKey,
    api_url: apiUrl,
    public_url: publicUrl,
  }),
  inbound: (m, url) =>
    signedEvent(url, 'sms:received', {
      messageId: m.id,
      message: m.body,
      phoneNumber: m.from,
      sender: m.from,
      recipient: m.to,
      simNumber: 1,
      receivedAt: new Date().toISOString(),
    }),
  status: (r, url) => {
    const common = { messageId: r.providerMessageId, phoneNumber: r.to, sender: r.from, recipient: r.to, simNumber: 1 };
    return r.delivered
      ? signedEvent(url, 'sms:delivered', { ...common, deliveredAt: new Date().toISOString() })
      : signedEvent(url, 'sms:failed', { ...common, failedAt: new Date().toISOString(), reason: 'RESULT_ERROR_GENERIC_FAILURE' });
  },
  answerSend(req) {
    if (req.headers.authorization !== `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`)
      return answer(401, { message: 'Unauthorized' });
    if (req.method !== 'POST' || req.path !== '/3rdparty/v1/messages') return answer(404, { message: 'Cannot POST ' + req.path });
    const body = readRequest(req.body);
    const to: unknown = Array.isArray(body?.phoneNumbers) ? (body.phoneNumbers as unknown[])[0] : undefined;
    const text = body?.textMessage?.text;
    if (typeof to !== 'string' || typeof text !== 'string' || text === '')
      return answer(400, { message: 'textMessage.text and phoneNumbers are required' });
    if (body?.id !== undefined && (typeof body.id !== 'string' || body.id.length > 36))
      return answer(400, { message: 'id must be a string of at most 36 characters' });
    const id = typeof body?.id === 'string' ? body.id : eventId();
    if (accepted.has(id)) return answer(409, { message: 'message with such ID already exists' });
    accepted.add(id);
    return {
      ...answer(202, {
        id,
        deviceId: 'PyDmBQZZXYmyxMwED8Fzy',
        state: 'Pending',
        isHashed: false,
        isEncrypted: false,
        recipients: [{ phoneNumber: to, state: 'Pending' }],
        states: {},
      }),
      sent: { to, body: text, providerMessageId: id, statusUrl: null },
    };
  },
};
