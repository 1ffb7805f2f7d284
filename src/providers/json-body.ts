import type { z } from 'zod';
import { ParleyError } from '../errors.js';
import type { WebhookRequest } from './contract.js';

/** Parses a JSON webhook body against `schema`, with the 415/400 errors every JSON provider shares. */
export function readJsonBody<S extends z.ZodType>(request: WebhookRequest, schema: S): z.output<S> {
  if (!request.contentType || !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(request.contentType)) {
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
