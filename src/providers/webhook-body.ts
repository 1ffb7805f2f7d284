// Reading webhook bodies (JSON, form, query) with the 400/415 errors every provider shares.
import type { z } from 'zod';
import { toE164 } from '../core/phone.js';
import { ParleyError } from '../errors.js';
import { nulPath } from '../core/text.js';
import type { BaseChannelConfig } from './channel-config.js';
import type { ProviderAdapter, WebhookEvent, WebhookPath, WebhookRequest } from './contract.js';

/**
 * Reads a verified webhook with its adapter, and refuses what Parley could not store: a NUL in any
 * text it read (a JSON `"\u0000"`, a form's `%00`). Every adapter's reading passes here, so none has
 * to remember it; the refusal is `invalid_payload`, kept as unreadable like any other.
 */
export function parseWebhook<C extends BaseChannelConfig>(
  adapter: ProviderAdapter<C>,
  request: WebhookRequest,
  channel: C,
  path: WebhookPath,
): WebhookEvent {
  const event = adapter.parse(request, channel, path);
  const at = event.kind === 'inbound' ? nulPath(event.message) : event.kind === 'status' ? nulPath(event.receipt) : nulPath(event.reason);
  if (at !== null) throw new ParleyError('invalid_payload', `${at}: contains a NUL character, which Parley does not store.`);
  return event;
}

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

/**
 * The provider times Parley keeps: from 1970 to the end of year 9999, the range ISO 8601's four-digit
 * years can write. A time outside it (`1e20`, `-5`, `+275760-09-13`) says nothing true about the
 * message, and would not fit a PostgreSQL bigint beyond a point: it is ignored, as unreadable time
 * text is, and the webhook is stored without it.
 */
export const providerTimeRange = { min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) } as const;

/** Reads a provider timestamp: ISO 8601 text, or Unix time in seconds or milliseconds; null when absent, unreadable or out of range. */
export function readTimestamp(value: string | number | null | undefined): number | null {
  if (value === undefined || value === null || value === '') return null;
  const ms = typeof value === 'number' ? (value > 1e12 ? Math.round(value) : Math.round(value * 1000)) : Date.parse(value);
  return Number.isFinite(ms) && ms >= providerTimeRange.min && ms <= providerTimeRange.max ? ms : null;
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
