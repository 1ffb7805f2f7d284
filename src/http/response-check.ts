import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDescribed } from './openapi.js';

// A response schema is also the answer's serializer (fast-json-stringify), which silently drops
// the properties it does not list and coerces values to the types it names. A schema that is
// wrong about an answer therefore changes the answer, not just its description. Switched on in
// tests (startTestParley), this check serializes each JSON answer as its route's schema would and
// compares it with plain JSON: any difference is a 500 naming the route, the status and the path
// where they part. A 2xx JSON answer of a route without a schema for its status fails too.

/** Where two JSON values first differ, as a path like `data[0].created_at`, or null when equal. */
export function firstDifference(expected: unknown, actual: unknown, path = ''): string | null {
  if (isDeepStrictEqual(expected, actual)) return null;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return `${path || '(root)'}: ${expected.length} items became ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const found = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (found) return found;
    }
  }
  if (isObject(expected) && isObject(actual)) {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      const at = path ? `${path}.${key}` : key;
      if (!(key in actual)) return `${at}: dropped`;
      if (!(key in expected)) return `${at}: added`;
      const found = firstDifference(expected[key], actual[key], at);
      if (found) return found;
    }
  }
  return `${path || '(root)'}: ${JSON.stringify(expected)?.slice(0, 80)} became ${JSON.stringify(actual)?.slice(0, 80)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether the route's response map covers `status` (exactly, by its class such as `2xx`, or `default`). */
function hasSchemaFor(request: FastifyRequest, status: number): boolean {
  const response = request.routeOptions.schema?.response as Record<string, unknown> | undefined;
  if (!response) return false;
  return [String(status), `${String(status)[0]}xx`, `${String(status)[0]}XX`, 'default'].some((key) => key in response);
}

export class ResponseSchemaMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResponseSchemaMismatch';
  }
}

function check(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
  const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
  const status = reply.statusCode;
  if (!hasSchemaFor(request, status)) {
    if (status >= 200 && status < 300)
      throw new ResponseSchemaMismatch(`${route} answered ${status} with JSON and has no response schema for it`);
    return;
  }
  const plain = JSON.parse(JSON.stringify(payload)) as unknown;
  const serialized = JSON.parse(reply.serialize(payload) as string) as unknown;
  const difference = firstDifference(plain, serialized);
  if (difference) throw new ResponseSchemaMismatch(`${route} ${status}: the response schema alters the answer at ${difference}`);
}

/** Fails (500) every JSON answer its route's response schema would alter. For tests. */
export function checkResponsesAgainstSchemas(app: FastifyInstance): void {
  app.addHook('preSerialization', async (request, reply, payload) => {
    // The console and the reference page are not part of the API's description.
    if (!isDescribed(request.routeOptions.url ?? '/console')) return payload;
    // An answer already turned into a 500 by this check is let through, or the check would loop.
    if (reply.statusCode >= 500) return payload;
    try {
      check(request, reply, payload);
    } catch (error) {
      // Shown on the test's own output: the log of a test Parley is usually silent.
      process.stderr.write(`response check: ${(error as Error).message}\n`);
      throw error;
    }
    return payload;
  });
}
