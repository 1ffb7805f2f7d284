import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

// Bird as the end-to-end test meets it: notifications signed over timestamp, URL and body hash on
// one URL, and a stand-in for POST /workspaces/{ws}/channels/{ch}/messages that checks the access
// key and the receiver and body the real API requires.

const signingKey = 'kit-bird-signing-key';
const accessKey = 'kit-bird-access-key';
const workspaceId = 'a1405560-c8d3-4b1a-877d-3f449ad95352';
const channelId = '614208aa-b153-4d5d-9989-2fddfc0ce4c3';

function signedNotification(url: string, event: string, payload: Record<string, unknown>): SignedRequest {
  const body = JSON.stringify({ service: 'channels', event, payload });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', signingKey)
    .update(Buffer.concat([Buffer.from(`${timestamp}\n${url}\n`), createHash('sha256').update(body).digest()]))
    .digest('base64');
  return {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/json',
      'messagebird-signature': signature,
      'messagebird-request-timestamp': timestamp,
      'messagebird-request-id': randomUUID(),
    },
    body,
  };
}

type Answer = ReturnType<ProviderTestKit['answerSend']>;
const answer = (status: number, body: unknown): Answer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

interface SendBody {
  receiver?: { contacts?: Array<{ identifierKey?: unknown; identifierValue?: unknown }> };
  body?: { type?: unknown; text?: { text?: unknown }; image?: { text?: unknown; images?: unknown } };
  reference?: unknown;
}

/** The text of a text or image body, or null when the body is not one the SMS channel takes. */
function bodyText(body: SendBody['body']): string | null {
  if (body?.type === 'text') return typeof body.text?.text === 'string' && body.text.text !== '' ? body.text.text : null;
  if (body?.type === 'image')
    return Array.isArray(body.image?.images) && body.image.images.length > 0
      ? typeof body.image.text === 'string'
        ? body.image.text
        : ''
      : null;
  return null;
}

export const kit: ProviderTestKit = {
  provider: 'bird',
  inboundPath: 'events',
  statusPath: 'events',
  channel: (name, number, apiUrl, publicUrl) => ({
    name,
    provider: 'bird',
    numbers: [number],
    access_key: accessKey,
    workspace_id: workspaceId,
    channel_id: channelId,
    signing_key: signingKey,
    api_url: apiUrl,
    public_url: publicUrl,
  }),
  inbound: (m, url) =>
    signedNotification(url, 'sms.inbound', {
      id: m.id,
      channelId,
      sender: { contact: { id: randomUUID(), identifierKey: 'phonenumber', identifierValue: m.from } },
      receiver: { connector: { id: randomUUID(), identifierValue: m.to } },
      body: { type: 'text', text: { text: m.body } },
      parts: [{ platformReference: randomUUID().replace(/-/g, '') }],
      status: 'delivered',
      direction: 'incoming',
      lastStatusAt: new Date().toISOString(),
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    }),
  status: (r, url) =>
    signedNotification(url, 'sms.outbound', {
      id: r.providerMessageId,
      channelId,
      receiver: { contacts: [{ identifierKey: 'phonenumber', identifierValue: r.to }] },
      status: r.delivered ? 'delivered' : 'delivery_failed',
      reason: r.delivered ? '' : 'Unknown subscriber',
      direction: 'outgoing',
      lastStatusAt: new Date().toISOString(),
    }),
  answerSend(req) {
    if (req.headers.authorization !== `AccessKey ${accessKey}`)
      return answer(401, { code: 'Unauthorized', message: 'The access key is not valid' });
    if (req.method !== 'POST' || req.path !== `/workspaces/${workspaceId}/channels/${channelId}/messages`)
      return answer(404, { code: 'NotFound', message: 'channel not found' });
    let message: SendBody;
    try {
      message = JSON.parse(req.body) as SendBody;
    } catch {
      return answer(400, { code: 'InvalidPayload', message: 'The body is not valid JSON' });
    }
    const to = message.receiver?.contacts?.[0]?.identifierValue;
    if (typeof to !== 'string' || !/^\+\d{8,15}$/.test(to))
      return answer(422, { code: 'InvalidPayload', message: 'receiver.contacts[0].identifierValue is not a phone number' });
    const text = bodyText(message.body);
    if (text === null) return answer(422, { code: 'InvalidPayload', message: 'body must be a text or image message' });
    const id = randomUUID();
    const now = new Date().toISOString();
    return {
      ...answer(202, {
        id,
        channelId,
        receiver: { contacts: [{ id: randomUUID(), identifierKey: 'phonenumber', identifierValue: to }] },
        body: message.body,
        reference: typeof message.reference === 'string' ? message.reference : '',
        status: 'accepted',
        direction: 'outgoing',
        lastStatusAt: now,
        createdAt: now,
        updatedAt: now,
      }),
      // Bird has no per-message status URL: receipts go to the webhook subscription.
      sent: { to, body: text, providerMessageId: id, statusUrl: null },
    };
  },
};
