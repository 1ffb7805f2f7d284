import { request } from 'undici';
import { SendError, type ProviderCallsSeen } from './contract.js';

// The one way adapters call a provider's API: a timeout on every call, and the HTTP outcome sorted
// into SendError kinds the same way for every provider.

export interface ProviderCall {
  url: string;
  method?: 'POST' | 'GET' | 'PUT';
  headers?: Record<string, string>;
  /** A JSON body (serialised here) or an already encoded string (set content-type yourself). */
  json?: unknown;
  body?: string;
  timeout: number;
  /** Noted with the status of the provider's answer (the send's OutboundRequest.seen). */
  seen?: ProviderCallsSeen;
}

export interface ProviderReply {
  status: number;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * Reads the provider's error code from a refusal, and says whether it is one the provider uses for
 * a recipient who opted out at the provider (Twilio 21610 and the like).
 */
export type RefusalReader = (reply: ProviderReply) => { code: string | null; message?: string; optedOut?: boolean };

/**
 * Calls the provider and returns a 2xx reply. Anything else throws SendError: no answer or no
 * connection → `connection`; 429 → `throttled`; 5xx → `provider_unavailable`; other 4xx →
 * `rejected` (or `recipient_opted_out` when `readRefusal` says so).
 */
export async function callProvider(call: ProviderCall, readRefusal?: RefusalReader): Promise<ProviderReply> {
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
  let body = call.body;
  if (call.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(call.json);
  }
  let response;
  try {
    response = await request(call.url, {
      method: call.method ?? 'POST',
      headers,
      body,
      headersTimeout: call.timeout,
      bodyTimeout: call.timeout,
    });
  } catch (error) {
    throw new SendError('connection', `could not reach ${hostOf(call.url)}: ${(error as Error).message}`);
  }
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw new SendError('connection', `${hostOf(call.url)} stopped answering: ${(error as Error).message}`);
  }
  const reply: ProviderReply = { status: response.statusCode, text, json: parseJson(text) };
  if (call.seen) call.seen.status = reply.status;
  const status = reply.status;
  if (status >= 200 && status < 300) return reply;

  const refusal = readRefusal?.(reply) ?? { code: null };
  const code = refusal.code ?? String(status);
  const detail = `${hostOf(call.url)} answered ${status}${refusal.message ? `: ${refusal.message}` : text ? `: ${text.slice(0, 200)}` : ''}`;
  const retryAfter = readRetryAfter(response.headers['retry-after']);
  if (status === 429) throw new SendError('throttled', detail, code, retryAfter);
  if (status >= 500) throw new SendError('provider_unavailable', detail, code, retryAfter);
  if (refusal.optedOut) throw new SendError('recipient_opted_out', detail, code);
  if (status >= 400) throw new SendError('rejected', detail, code);
  throw new SendError('invalid_response', detail, code);
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A Retry-After header (seconds, or an HTTP date) as milliseconds from now; null when absent or unreadable. */
export function readRetryAfter(header: string | string[] | undefined, now = Date.now()): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Math.min(Number(value.trim()), 3_600) * 1000;
  // An HTTP date names its day and month; Date.parse alone would read "-1" as a year.
  if (!/[a-z]{3}/i.test(value)) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), 3_600_000);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the provider';
  }
}
