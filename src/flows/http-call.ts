import { request, type Dispatcher } from 'undici';
import { signatureHeader } from '../core/webhook-signature.js';
import { checkEndpointUrl, DestinationRefused, guardedAgent } from '../net/url-guard.js';
import type { CallRequest, CallResult } from './runner.js';

const maxAnswerBytes = 256 * 1024;

export type FlowCaller = (call: CallRequest) => Promise<CallResult>;

/**
 * Calls the business's endpoints for flows, under the same destination rules as event webhooks:
 * no loopback, private or link-local address (checked on the URL, then on the address each
 * connection resolves to) unless `allowPrivate` (`webhooks.allow_private_destinations`).
 */
export function flowCaller(secret: string, allowPrivate: boolean): FlowCaller {
  const dispatcher = guardedAgent(allowPrivate);
  return (call) => callEndpoint(secret, call, allowPrivate, dispatcher);
}

/**
 * One call for a flow: JSON, signed like Parley's event webhooks (Standard Webhooks headers with
 * the flows secret; `webhook-id` is the idempotency key, the same if the turn is retried), with a
 * timeout. Success is a 2xx with a JSON body (or none).
 */
async function callEndpoint(secret: string, call: CallRequest, allowPrivate: boolean, dispatcher: Dispatcher): Promise<CallResult> {
  try {
    checkEndpointUrl(call.url, allowPrivate);
  } catch (error) {
    if (error instanceof DestinationRefused) return { ok: false, error: `destination refused: ${error.message}` };
    throw error;
  }
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
      dispatcher,
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
    const e = error as { name?: string; message?: string; cause?: unknown };
    const refused = error instanceof DestinationRefused ? error : e.cause instanceof DestinationRefused ? e.cause : null;
    if (refused) return { ok: false, error: `destination refused: ${refused.message}` };
    return { ok: false, error: e.name === 'TimeoutError' ? 'timed out' : (e.message ?? 'request failed') };
  }
}
