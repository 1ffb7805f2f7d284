import { request } from 'undici';
import { apiKey } from './parley.js';

export interface ApiAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The JSON answer; null for an empty one (204). */
  body: any;
}

/**
 * Calls Parley's /v1 API with any method and extra headers (an Idempotency-Key), for the routes the
 * test Parley's `api()` does not cover (PUT, 204 answers).
 */
export async function apiCall(
  base: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const res = await request(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text === '' ? null : JSON.parse(text) };
}
