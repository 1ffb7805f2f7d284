import { request } from 'undici';
import { signatureHeader } from '../core/webhook-signature.js';
import type { CallRequest, CallResult } from './runner.js';

const maxAnswerBytes = 256 * 1024;

/**
 * Calls the business's endpoint for a flow: JSON, signed like Parley's event webhooks (Standard
 * Webhooks headers with the flows secret; `webhook-id` is the idempotency key, the same if the
 * turn is retried), with a timeout. Success is a 2xx with a JSON body (or none).
 */
export async function callEndpoint(secret: string, call: CallRequest): Promise<CallResult> {
  const body = call.body === undefined ? '' : JSON.stringify(call.body);
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'user-agent': 'Parley-Flows/1',
    accept: 'application/json',
    'idempotency-key': call.idempotencyKey,
    'webhook-id': call.idempotencyKey,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader([secret], call.idempotencyKey, timestamp, body),
  };
  if (body !== '') headers['content-type'] = 'application/json';
  try {
    const response = await request(call.url, {
      method: call.method as 'POST',
      headers,
      ...(body !== '' ? { body } : {}),
      headersTimeout: call.timeout,
      bodyTimeout: call.timeout,
      signal: AbortSignal.timeout(call.timeout),
    });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) return { ok: false, error: `answered ${response.statusCode}` };
    if (text.length > maxAnswerBytes) return { ok: false, error: 'answer too large' };
    if (text.trim() === '') return { ok: true, json: null };
    try {
      return { ok: true, json: JSON.parse(text) as unknown };
    } catch {
      return { ok: false, error: 'answer is not JSON' };
    }
  } catch (error) {
    const e = error as { name?: string; message?: string };
    return { ok: false, error: e.name === 'TimeoutError' ? 'timed out' : (e.message ?? 'request failed') };
  }
}
