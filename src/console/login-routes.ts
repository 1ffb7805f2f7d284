import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordAudit } from './audit.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { field, sessionOf, type ConsoleContext } from './request.js';
import { loginBlocked, recordLoginFailure } from './rate-limit.js';
import { createSession, newLoginToken, revokeSession, sessionCookie, validLoginToken, loadSession } from './sessions.js';
import { findUserByEmail, normalizeEmail } from './users.js';
import { loginPage } from './views/login.js';

const loginCookie = 'parley_login';
// One message for a wrong email and a wrong password: which one was wrong is not said.
const incorrect = 'Email or password is incorrect.';

export function registerLoginRoutes(app: FastifyInstance, consoleContext: ConsoleContext): void {
  const { ctx, settings, secret } = consoleContext;
  const limit = { attempts: ctx.config.console.login_attempts, windowMs: ctx.config.console.login_window };

  const showLogin = (request: FastifyRequest, reply: FastifyReply, status: number, options: { email?: string; error?: string } = {}) => {
    let token = request.cookies[loginCookie];
    if (!token || !validLoginToken(secret, token, token)) {
      token = newLoginToken(secret);
      reply.setCookie(loginCookie, token, { ...consoleContext.cookieOptions(request, 3600), path: '/console/login' });
    }
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .send(loginPage({ csrf: token, ...options }));
  };

  app.get('/console/login', async (request, reply) => {
    const token = request.cookies[sessionCookie];
    if (token && (await loadSession(ctx.store, token, settings))) return reply.redirect('/console', 303);
    return showLogin(request, reply, 200);
  });

  app.post('/console/login', async (request, reply) => {
    if (!validLoginToken(secret, request.cookies[loginCookie], field(request, 'csrf'))) {
      return showLogin(request, reply, 403, { error: 'The login form expired; please try again.' });
    }
    const email = normalizeEmail(field(request, 'email') ?? '').slice(0, 320);
    const password = (field(request, 'password') ?? '').slice(0, 1024);
    const address = request.ip;
    if (await loginBlocked(ctx.store, address, email, limit)) {
      return showLogin(request, reply, 429, { email, error: 'Too many failed attempts; wait a few minutes and try again.' });
    }
    const user = email ? await findUserByEmail(ctx.store.db, email) : undefined;
    const matches = await verifyPassword(password, user?.password_hash ?? (await decoyHash()));
    if (!user || !matches || user.disabled_at !== null) {
      await recordLoginFailure(ctx.store, address, email, limit);
      return showLogin(request, reply, 401, { email, error: incorrect });
    }
    const session = await createSession(ctx.store, user.id, settings, {
      userAgent: request.headers['user-agent'] ?? null,
      address,
    });
    await ctx.store.write((trx) => recordAudit(trx, { userId: user.id, action: 'logged_in', subject: user.email, detail: { address } }));
    reply.setCookie(sessionCookie, session.token, consoleContext.cookieOptions(request, Math.floor(settings.maxMs / 1000)));
    reply.clearCookie(loginCookie, { path: '/console/login' });
    return reply.redirect('/console', 303);
  });

  app.post('/console/logout', { preHandler: consoleContext.requireSession }, async (request, reply) => {
    await revokeSession(ctx.store.db, sessionOf(request).tokenHash);
    reply.clearCookie(sessionCookie, { path: '/console' });
    return reply.redirect('/console/login', 303);
  });
}
