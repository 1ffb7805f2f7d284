import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

// Every request has an id: the caller's X-Request-Id when it is a sane token (a proxy or a client
// tracing its own calls), else a new one. It is on every log line the request writes, and in the
// response's X-Request-Id. One access line per request says what was asked and how it went: the
// route's pattern (never the URL, which may carry ids, tokens or a channel secret in its query),
// the status and the time taken; never a header or a body.

const sane = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  if (typeof given === 'string' && sane.test(given)) return given;
  return `req_${randomBytes(12).toString('base64url')}`;
}

/** Probes a monitor calls every few seconds: at debug, so they do not bury the rest. */
const quietRoutes = new Set(['/healthz', '/readyz', '/metrics']);

export function logRequests(app: FastifyInstance, access: boolean): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  if (!access) return;
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(no route)';
    const line = { method: request.method, route, status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (quietRoutes.has(route)) request.log.debug(line, 'request');
    else request.log.info(line, 'request');
  });
}
