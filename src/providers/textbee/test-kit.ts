import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

// textbee as the end-to-end test meets it: notifications built and signed the way textbee's server
// does (hex HMAC-SHA256 of JSON.stringify(payload), here with node:crypto), and a stand-in for
// POST /api/v1/gateway/devices/{id}/send-sms that checks x-api-key, the device and the fields.

const secret = 'kit-textbee-signing-secret-0123';
const apiKey = 'kit-textbee-api-key';
const deviceId = '664f00aa11bb22cc33dd44ee';

/** A MongoDB ObjectId as textbee's JSON shows it. */
const objectId = () => randomBytes(12).toString('hex');

function signed(url: string, smsId: string, event: string, fields: Record<string, unknown>): SignedRequest {
  // The server's field order: the base fields, then the event's own.
  const body = JSON.stringify({
    smsId,
    message: fields.message,
    deviceId,
    webhookSubscriptionId: '66500000aaaabbbbccccdddd',
    webhookEvent: event,
    idempotencyKey: randomUUID(),
    ...fields,
  });
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', secret).update(body).digest('hex') },
    body,
  };
}

type Answer = ReturnType<ProviderTestKit['answerSend']>;
const answer = (status: number, body: unknown): Answer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

function readRequest(body: string): { recipients?: unknown; message?: unknown } | null {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}

export const kit: ProviderTestKit = {
  provider: 'textbee',
  inboundPath: 'events',
  statusPath: 'events',
  channel: (name, number, apiUrl, publicUrl) => ({
    name,
    provider: 'textbee',
    numbers: [number],
    api_key: apiKey,
    device_id: deviceId,
    signing_secret: secret,
    api_url: apiUrl,
    public_url: publicUrl,
  }),
  inbound: (m, url) => signed(url, m.id, 'MESSAGE_RECEIVED', { message: m.body, sender: m.from, receivedAt: new Date().toISOString() }),
  status: (r, url) =>
    r.delivered
      ? signed(url, objectId(), 'MESSAGE_DELIVERED', {
          message: 'x',
          smsBatchId: r.providerMessageId,
          status: 'delivered',
          recipient: r.to,
          sentAt: new Date().toISOString(),
          deliveredAt: new Date().toISOString(),
        })
      : signed(url, objectId(), 'MESSAGE_FAILED', {
          message: 'x',
          smsBatchId: r.providerMessageId,
          status: 'failed',
          recipient: r.to,
          errorCode: 'RESULT_ERROR_NO_SERVICE',
          errorMessage: 'No service',
          failedAt: new Date().toISOString(),
        }),
  answerSend(req) {
    if (req.headers['x-api-key'] !== apiKey) return answer(401, { message: 'Unauthorized', statusCode: 401 });
    const path = /^\/api\/v1\/gateway\/devices\/([^/]+)\/send-sms$/.exec(req.path);
    if (req.method !== 'POST' || !path)
      return answer(404, { message: `Cannot ${req.method} ${req.path}`, error: 'Not Found', statusCode: 404 });
    if (path[1] !== deviceId) return answer(400, { success: false, error: 'Device does not exist or is not enabled' });
    const body = readRequest(req.body);
    if (typeof body?.message !== 'string' || body.message === '') return answer(400, { success: false, error: 'Message cannot be blank' });
    const to: unknown = Array.isArray(body.recipients) ? (body.recipients as unknown[])[0] : undefined;
    if (typeof to !== 'string') return answer(400, { success: false, error: 'Invalid recipients' });
    const batch = objectId();
    return {
      ...answer(201, { data: { success: true, message: 'SMS added to queue for processing', smsBatchId: batch, recipientCount: 1 } }),
      sent: { to, body: body.message, providerMessageId: batch, statusUrl: null },
    };
  },
};
