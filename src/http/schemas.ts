import type { FastifyInstance } from 'fastify';
import { messageStatuses } from '../core/message-status.js';
import { errorCatalog, type ErrorCode } from '../errors.js';

// The JSON shapes more than one route answers with, registered once with Fastify (`addSchema`) and
// named in the OpenAPI document as components (`#/components/schemas/<$id>`). A route refers to one
// as `ref('Message')`. Response schemas also drive serialization, which drops any property a schema
// does not list: the test-time check (response-check.ts) fails an answer a schema would alter.

/** A JSON Schema fragment as routes write them. */
export type Schema = Record<string, unknown>;

export const nullable = (type: string | string[]) => ({ type: [...[type].flat(), 'null'] });
export const dateTime = { type: 'string', format: 'date-time' } as const;
export const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
/** A reference to a shared shape below. */
export const ref = (id: SharedId) => ({ $ref: `${id}#` });

/** An object whose properties are all present in every answer (the API writes nulls rather than leaving fields out). */
export function object(properties: Record<string, unknown>, extra: Schema = {}): Schema {
  return { type: 'object', required: Object.keys(properties), properties, ...extra };
}

/** A page of a list: its rows and the cursor of the next page (null on the last). */
export function pageOf(item: Schema): Schema {
  return object({
    data: { type: 'array', items: item },
    next_cursor: { ...nullable('string'), description: 'Pass as `cursor` to read the next page; null on the last page.' },
  });
}

/** A list that is not paged (it is short by nature: flows, templates, event types). */
export function listOf(item: Schema): Schema {
  return object({ data: { type: 'array', items: item } });
}

/** The query parameters of a paged list: `cursor` and `limit`, with the list's own filters. */
export function pagedQuery(filters: Record<string, unknown>, limit: { max: number; default: number }): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...filters,
      cursor: { type: 'string', minLength: 1, maxLength: 512, description: 'next_cursor of the previous page, as it was.' },
      limit: { type: 'integer', minimum: 1, maximum: limit.max, default: limit.default },
    },
  };
}

/** Path parameters, each a string of at most 100 characters (Fastify's maxParamLength). */
export function params(...names: string[]): Schema {
  return {
    type: 'object',
    required: names,
    properties: Object.fromEntries(names.map((name) => [name, { type: 'string', minLength: 1, maxLength: 100 }])),
  };
}

const errorCodes = Object.keys(errorCatalog) as ErrorCode[];

const errorShape = {
  $id: 'Error',
  description: 'Every error Parley answers: a stable code from docs/errors.md and a message for people.',
  ...object({
    error: object({
      code: { type: 'string', enum: errorCodes },
      message: { type: 'string' },
    }),
  }),
};

/** The properties of a Message, for answers that add to it. */
export const messageProperties = {
  id: { type: 'string' },
  direction: { type: 'string', enum: ['inbound', 'outbound'] },
  channel: { type: 'string' },
  conversation_id: nullable('string'),
  from: { type: 'string' },
  to: { type: 'string' },
  body: { type: 'string' },
  media_urls: { type: 'array', items: { type: 'string' } },
  status: { type: 'string', enum: [...messageStatuses] },
  provider_message_id: nullable('string'),
  provider_status: nullable('string'),
  error_code: nullable('string'),
  error_message: nullable('string'),
  segments: { type: 'integer' },
  encoding: { type: 'string' },
  reply_to_id: nullable('string'),
  origin: nullable('string'),
  intent: nullable('string'),
  template: nullable('string'),
  send_at: nullableDateTime,
  broadcast_id: { ...nullable('string'), description: 'The broadcast this text is part of (outbound only).' },
  created_at: dateTime,
  updated_at: dateTime,
};

const messageShape = { $id: 'Message', description: 'A text received or sent.', ...object(messageProperties) };

/** The properties of a Contact, for answers that add to it. */
export const contactProperties = {
  id: { type: 'string' },
  phone: { type: 'string' },
  fields: { type: 'object', additionalProperties: true },
  tags: { type: 'array', items: { type: 'string' } },
  timezone: nullable('string'),
  language: nullable('string'),
  opted_out: { type: 'boolean' },
  created_at: dateTime,
  updated_at: dateTime,
};

const contactShape = { $id: 'Contact', description: 'A texter as the business knows them.', ...object(contactProperties) };

/** A point of a message's trace: when, and how long after the trace's origin. */
const traceTimeShape = {
  $id: 'TraceTime',
  description: "A time of a message's trace and its distance from the trace's origin, in milliseconds.",
  ...object({ at: dateTime, offset_ms: { type: 'integer' } }),
};

const shared = [errorShape, messageShape, contactShape, traceTimeShape];
export type SharedId = 'Error' | 'Message' | 'Contact' | 'TraceTime';

/** Registers the shared shapes; before any route that refers to them. */
export function addSharedSchemas(app: FastifyInstance): void {
  for (const schema of shared) app.addSchema(schema);
}

/** The shared shapes by $id (tests and the document's checks). */
export const sharedSchemas = Object.fromEntries(shared.map((s) => [s.$id, s as Schema])) as unknown as Record<SharedId, Schema>;

/**
 * A route's error answers, by status: each refers to the one Error shape and names the codes the
 * route may answer with. Every route may also answer `internal` (500) and, with PostgreSQL away,
 * `unavailable` (503).
 */
export function apiErrors(...codes: ErrorCode[]): Record<string, Schema> {
  const byStatus = new Map<number, Set<ErrorCode>>();
  for (const code of [...codes, 'internal', 'unavailable'] as ErrorCode[]) {
    const status = errorCatalog[code].status;
    byStatus.set(status, (byStatus.get(status) ?? new Set()).add(code));
  }
  return Object.fromEntries(
    [...byStatus].map(([status, set]) => [
      String(status),
      { description: `Error: ${[...set].map((c) => `\`${c}\``).join(', ')}.`, ...ref('Error') },
    ]),
  );
}

/** The errors every `/v1` route may answer: a missing or wrong API key, a bad request. */
export const v1Errors = ['unauthorized', 'bad_request', 'invalid_payload', 'invalid_json', 'payload_too_large'] as const;

/** A route's `response` map: its successful answers and `apiErrors` of the v1 errors and `codes`. */
export function v1Responses(ok: Record<string, Schema>, ...codes: ErrorCode[]): Record<string, Schema> {
  return { ...described(ok), ...apiErrors(...v1Errors, ...codes) };
}

const successes: Record<string, string> = {
  200: 'OK.',
  201: 'Created.',
  202: 'Accepted: queued, done by a job.',
  204: 'Done; no content.',
};

/** Successful answers with a description for the document (a shared shape brings its own). */
function described(ok: Record<string, Schema>): Record<string, Schema> {
  return Object.fromEntries(
    Object.entries(ok).map(([status, schema]) => [
      status,
      schema.description !== undefined || schema.$ref !== undefined ? schema : { description: successes[status] ?? 'OK.', ...schema },
    ]),
  );
}

/**
 * A paged list's schema: its query (`cursor`, `limit` and the list's filters) and its answer, a
 * page of `item`, with the v1 errors, `invalid_cursor` and `codes`.
 */
export function pagedList(summary: string, querystring: Schema, item: Schema, ...codes: ErrorCode[]): Schema {
  return { summary, querystring, response: v1Responses({ 200: pageOf(item) }, 'invalid_cursor', ...codes) };
}

/** An empty 204 answer. */
export const noContent = { type: 'null', description: 'No content.' } as const;
