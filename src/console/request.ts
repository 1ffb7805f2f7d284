import type { FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../errors.js';
import type { EngineContext } from '../runtime/context.js';
import type { ConsoleSession, SessionSettings } from './sessions.js';

export const sessions = new WeakMap<FastifyRequest, ConsoleSession>();

/** The session of a request that passed `requireSession`. */
export function sessionOf(request: FastifyRequest): ConsoleSession {
  const session = sessions.get(request);
  if (!session) throw new ParleyError('unauthorized', 'Log in to use the console.');
  return session;
}

/** A form field as one string (a repeated field counts as missing). */
export function field(request: FastifyRequest, name: string): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const value = body && typeof body === 'object' ? body[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

export interface ConsoleContext {
  ctx: EngineContext;
  settings: SessionSettings;
  /** Signs the login form's CSRF cookie. */
  secret: string;
  /** Marks routes that need a logged-in user (and, for POST, the session's CSRF token). */
  requireSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Marks admin-only routes; runs after requireSession. */
  requireAdmin: (request: FastifyRequest) => Promise<void>;
  /** Sets the session cookie's attributes for this request (Secure behind https). */
  cookieOptions: (request: FastifyRequest, maxAgeSeconds?: number) => Record<string, unknown>;
}
