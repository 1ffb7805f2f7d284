// Reading webhook bodies (JSON, form, query) with the 400/415 errors every provider shares.
import type { z } from 'zod';
import { toE164 } from '../core/phone.js';
import { ParleyError } from '../errors.js';
import type { WebhookRequest } from './contract.js';

/** Parses a JSON webhook body against `schema`, with the 415/400 errors every JSON provider shares. */
export function readJsonBody<S extends z.ZodType>(request: WebhookRequest, schema: S): z.output<S> {
  if (!isJson(request)) {
    throw new ParleyError('unsupported_media_type', `Expected Content-Type application/json, got ${request.contentType ?? 'none'}.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw new ParleyError('invalid_json');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new ParleyError('invalid_payload', `${field}: ${issue.message}`);
  }
  return parsed.data;
}

/** Reads a provider timestamp: ISO 8601 text, or Unix time in seconds or milliseconds. */
export function readTimestamp(value: string | number | null | undefined): number | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number') return value > 1e12 ? Math.round(value) : Math.round(value * 1000);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** A webhook's parameters in the order received; a name may repeat (Twilio's `MediaUrl`s, Plivo's arrays). */
export type Params = Array<[name: string, value: string]>;

/** The query string's parameters. */
export function queryParams(request: WebhookRequest): Params {
  const at = request.url.indexOf('?');
  return at === -1 ? [] : [...new URLSearchParams(request.url.slice(at + 1))];
}

/** A form-encoded body's parameters; 415 for any other content type. */
export function formParams(request: WebhookRequest): Params {
  if (!isForm(request)) {
    throw new ParleyError(
      'unsupported_media_type',
      `Expected Content-Type application/x-www-form-urlencoded, got ${request.contentType ?? 'none'}.`,
    );
  }
  return [...new URLSearchParams(request.rawBody.toString('utf8'))];
}

export function isForm(request: WebhookRequest): boolean {
  return request.contentType !== null && /^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(request.contentType);
}

export function isJson(request: WebhookRequest): boolean {
  return request.contentType !== null && /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(request.contentType);
}

/** The first value of each name, for reading fields (signatures use the full list). */
export function firstValues(params: Params): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of params) if (!map.has(name)) map.set(name, value);
  return map;
}

/** A required field; 400 naming it when absent or empty. */
export function requireField(fields: Map<string, string>, name: string): string {
  const value = fields.get(name);
  if (value === undefined || value === '') throw new ParleyError('invalid_payload', `${name}: required`);
  return value;
}

/** A phone number in E.164; 400 naming the field when it is not one. */
export function readPhone(value: string, field: string): string {
  const number = toE164(value);
  if (!number) throw new ParleyError('invalid_phone_number', `${field}: "${value.slice(0, 40)}" is not a phone number.`);
  return number;
}
