import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newEndpointSecret } from '../core/webhook-signature.js';
import { ParleyError } from '../errors.js';
import type { EngineContext } from '../runtime/context.js';
import { readSetting, writeSettingOnce } from '../store/settings.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerAgentRoutes } from './agent-routes.js';
import { asset } from './assets.js';
import { registerConsentRoutes } from './consent-routes.js';
import { registerLoginRoutes } from './login-routes.js';
import { registerOperationsRoutes } from './operations-routes.js';
import { registerReportRoutes } from './report-routes.js';
import { registerSavedReplyRoutes } from './saved-reply-routes.js';
import { registerTraceRoutes } from './trace-routes.js';
import { field, sessionOf, sessions, type ConsoleContext } from './request.js';
import { loadSession, sameSecret, sessionCookie, type SessionSettings } from './sessions.js';
import { registerStream } from './stream.js';
import { errorPage } from './views/error.js';

// Every console response: no script or style but Parley's own files, no framing, no plugins.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const wantsJson = (request: FastifyRequest) =>
  request.headers['x-csrf-token'] !== undefined || /application\/json/.test(request.headers.accept ?? '');

/** The web console at /console, served by Parley itself: pages, their assets and the live stream. */
export async function registerConsole(app: FastifyInstance, ctx: EngineContext): Promise<void> {
  const secretKey = 'console.secret';
  const secret = (await readSetting(ctx.store.db, secretKey)) ?? (await writeSettingOnce(ctx.store, secretKey, newEndpointSecret()));
  const settings: SessionSettings = { idleMs: ctx.config.console.session_idle, maxMs: ctx.config.console.session_max };

  await app.register(async (scope) => {
    await scope.register(cookie);
    await scope.register(formbody);

    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.header('content-security-policy', contentSecurityPolicy);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'same-origin');
      reply.header('x-frame-options', 'DENY');
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });

    scope.setErrorHandler((error: FastifyError, request, reply) => {
      let known: ParleyError | null = error instanceof ParleyError ? error : null;
      if (!known && error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        known = new ParleyError(
          error.statusCode === 415 ? 'unsupported_media_type' : error.statusCode === 413 ? 'payload_too_large' : 'bad_request',
        );
      }
      if (!known) {
        request.log.error({ err: error, url: request.routeOptions.url }, 'unhandled error');
        known = new ParleyError('internal');
      }
      reply.status(known.status);
      if (wantsJson(request)) return reply.send(known.toJSON());
      return reply.type('text/html; charset=utf-8').send(errorPage(known.status, known.message, sessions.get(request) ?? null));
    });

    const requireSession = async (request: FastifyRequest, reply: FastifyReply) => {
      const token = request.cookies[sessionCookie];
      const session = token ? await loadSession(ctx.store, token, settings) : null;
      if (!session) {
        if (request.method === 'GET') return reply.redirect('/console/login', 303);
        throw new ParleyError('unauthorized', 'Your session has ended; log in again.');
      }
      sessions.set(request, session);
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        const header = request.headers['x-csrf-token'];
        const submitted = typeof header === 'string' ? header : field(request, 'csrf');
        if (!submitted || !sameSecret(submitted, session.csrf)) throw new ParleyError('invalid_csrf_token');
      }
    };
    const requireAdmin = async (request: FastifyRequest) => {
      if (sessionOf(request).user.role !== 'admin') throw new ParleyError('forbidden', 'This page is for admins.');
    };
    const cookieOptions = (request: FastifyRequest, maxAgeSeconds?: number) => ({
      path: '/console',
      httpOnly: true,
      // Lax, not Strict: a link to a conversation pasted in chat or mail opens logged in. Every
      // state change is a POST with the session's CSRF token, which Lax already keeps cross-site
      // requests from carrying the cookie for, so Strict would add friction and no protection.
      sameSite: 'lax' as const,
      secure: request.protocol === 'https',
      ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
    });
    const consoleContext: ConsoleContext = { ctx, settings, secret, requireSession, requireAdmin, cookieOptions };

    scope.get<{ Params: { name: string } }>('/console/assets/:name', async (request, reply) => {
      const found = asset(request.params.name);
      if (!found) throw new ParleyError('not_found', 'No such file.');
      return reply.type(found.type).header('cache-control', 'public, max-age=31536000, immutable').send(found.body);
    });

    registerLoginRoutes(scope, consoleContext);
    registerAgentRoutes(scope, consoleContext);
    registerAdminRoutes(scope, consoleContext);
    registerOperationsRoutes(scope, consoleContext);
    registerSavedReplyRoutes(scope, consoleContext);
    registerConsentRoutes(scope, consoleContext);
    registerReportRoutes(scope, consoleContext);
    registerTraceRoutes(scope, consoleContext);
    registerStream(scope, consoleContext);
  });
}
