import { createHmac, randomBytes } from 'node:crypto';
import type { ProviderTestKit, SignedRequest } from '../test-kit-contract.js';

// Sinch SMS as the end-to-end test meets it: HMAC-signed callbacks on one URL, and a stand-in for
// POST /xms/v1/{service_plan_id}/batches that checks the Bearer token and the fields a batch needs.

const secret = 'kit-sinch-callback-secret';
const token = 'kit-sinch-api-token-01';
const plan = 'kitplan';

/** Sinch's ids are 26-character ULID-like strings. */
const sinchId = () => randomBytes(16).toString('hex').slice(0, 26).toUpperCase();

function signedCallback(url: string, event: Record<string, unknown>): SignedRequest {
  const body = JSON.stringify(event);
  const nonce = sinchId();
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

type Answer = ReturnType<ProviderTestKit['answerSend']>;
const answer = (status: number, body: unknown): Answer => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

export const kit: ProviderTestKit = {
  provider: 'sinch',
  inboundPath: 'events',
  statusPath: 'events',
  channel: (name, number, apiUrl, publicUrl) => ({
    name,
    provider: 'sinch',
    numbers: [number],
    service_plan_id: plan,
    api_token: token,
    callback_secret: secret,
    api_url: apiUrl,
    public_url: publicUrl,
  }),
  // Sinch writes numbers without the "+".
  inbound: (m, url) =>
    signedCallback(url, {
      id: m.id,
      type: 'mo_text',
      from: m.from.slice(1),
      to: m.to.slice(1),
      body: m.body,
      operator_id: '310260',
      received_at: new Date().toISOString(),
    }),
  status: (r, url) =>
    signedCallback(url, {
      type: 'recipient_delivery_report_sms',
      batch_id: r.providerMessageId,
      recipient: r.to.slice(1),
      status: r.delivered ? 'Delivered' : 'Failed',
      code: r.delivered ? 0 : 11,
      at: new Date().toISOString(),
      operator_status_at: new Date().toISOString(),
    }),
  answerSend(req) {
    if (req.headers.authorization !== `Bearer ${token}`) return answer(401, { code: 'unauthorized', text: 'Invalid credentials' });
    if (req.method !== 'POST' || req.path !== `/xms/v1/${plan}/batches`) return answer(404, { code: 'not_found', text: 'Not found' });
    let batch: {
      from?: unknown;
      to?: unknown;
      body?: unknown;
      type?: unknown;
      callback_url?: unknown;
      client_reference?: unknown;
      delivery_report?: unknown;
    };
    try {
      batch = JSON.parse(req.body) as typeof batch;
    } catch {
      return answer(400, { code: 'syntax_invalid_json', text: 'The body is not valid JSON' });
    }
    const to = Array.isArray(batch.to) ? batch.to : [];
    if (to.length === 0 || !to.every((n) => typeof n === 'string' && /^\+?\d{6,15}$/.test(n)))
      return answer(400, { code: 'syntax_invalid_parameter_format', text: 'Parameter to is invalid' });
    if (typeof batch.from !== 'string' || batch.from === '')
      return answer(400, { code: 'missing_parameter', text: 'Parameter from is missing' });
    const text = batch.type === 'mt_media' ? (batch.body as { message?: unknown } | undefined)?.message : batch.body;
    if (typeof text !== 'string' && batch.type !== 'mt_media')
      return answer(400, { code: 'missing_parameter', text: 'Parameter body is missing' });
    const id = sinchId();
    const created = new Date().toISOString();
    return {
      ...answer(201, {
        id,
        to,
        from: batch.from,
        canceled: false,
        body: batch.body,
        type: batch.type ?? 'mt_text',
        created_at: created,
        modified_at: created,
        delivery_report: batch.delivery_report ?? 'none',
        client_reference: batch.client_reference,
      }),
      sent: {
        to: String(to[0]),
        body: typeof text === 'string' ? text : '',
        providerMessageId: id,
        statusUrl: typeof batch.callback_url === 'string' ? batch.callback_url : null,
      },
    };
  },
};
