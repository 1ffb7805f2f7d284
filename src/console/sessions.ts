import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';
import type { ConsoleUser } from './users.js';

// A session is a random 32-byte token in an HttpOnly cookie; the database keeps only its SHA-256,
// so a copy of the database cannot be replayed as a login. Each session has its own CSRF token,
// placed in every form it renders.

export const sessionCookie = 'parley_session';

export interface SessionSettings {
  idleMs: number;
  maxMs: number;
}

export interface ConsoleSession {
  tokenHash: string;
  csrf: string;
  user: ConsoleUser;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function createSession(
  store: Store,
  userId: string,
  settings: SessionSettings,
  client: { userAgent: string | null; address: string | null },
): Promise<{ token: string; expiresAt: number }> {
  const token = randomBytes(32).toString('base64url');
  const now = Date.now();
  const expiresAt = now + settings.maxMs;
  await store.write(async (trx) => {
    // The user's ended sessions are of no more use: each login clears them, so the table holds
    // about one row per active session.
    await trx
      .deleteFrom('console_sessions')
      .where('user_id', '=', userId)
      .where((eb) =>
        eb.or([eb('revoked_at', 'is not', null), eb('expires_at', '<=', now), eb('last_seen_at', '<=', now - settings.idleMs)]),
      )
      .execute();
    await trx
      .insertInto('console_sessions')
      .values({
        token_hash: hashToken(token),
        user_id: userId,
        csrf_secret: randomBytes(24).toString('base64url'),
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
        revoked_at: null,
        user_agent: client.userAgent?.slice(0, 300) ?? null,
        address: client.address,
      })
      .execute();
  });
  return { token, expiresAt };
}

// Marking a session seen is a write; once a minute is precise enough for a 12-hour idle limit.
const touchEveryMs = 60_000;

/** The live session for a cookie token: not revoked, not idle too long, not past its end, its user enabled. */
export async function loadSession(store: Store, token: string, settings: SessionSettings): Promise<ConsoleSession | null> {
  const tokenHash = hashToken(token);
  const row = await store.db
    .selectFrom('console_sessions')
    .innerJoin('console_users', 'console_users.id', 'console_sessions.user_id')
    .selectAll('console_users')
    .select(['console_sessions.csrf_secret', 'console_sessions.last_seen_at', 'console_sessions.expires_at', 'console_sessions.revoked_at'])
    .where('console_sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null || row.disabled_at !== null) return null;
  const now = Date.now();
  if (now >= row.expires_at || now >= row.last_seen_at + settings.idleMs) return null;
  if (now - row.last_seen_at >= touchEveryMs) {
    await store.write((trx) =>
      trx.updateTable('console_sessions').set({ last_seen_at: now }).where('token_hash', '=', tokenHash).execute(),
    );
  }
  const { csrf_secret, last_seen_at: _seen, expires_at: _expires, revoked_at: _revoked, ...user } = row;
  return { tokenHash, csrf: csrf_secret, user };
}

export async function revokeSession(db: Kysely<Database>, tokenHash: string): Promise<void> {
  await db.updateTable('console_sessions').set({ revoked_at: Date.now() }).where('token_hash', '=', tokenHash).execute();
}

/**
 * The login form's CSRF token, before any session exists: a random value signed with the
 * console's secret, set as a cookie and echoed in the form (double submit). The signature keeps a
 * cookie planted by a sibling subdomain from being accepted.
 */
export function newLoginToken(secret: string): string {
  const value = randomBytes(18).toString('base64url');
  return `${value}.${createHmac('sha256', secret).update(value).digest('base64url')}`;
}

export function validLoginToken(secret: string, cookie: string | undefined, submitted: unknown): boolean {
  if (!cookie || typeof submitted !== 'string' || !sameSecret(cookie, submitted)) return false;
  const [value, signature] = cookie.split('.');
  if (!value || !signature) return false;
  return sameSecret(signature, createHmac('sha256', secret).update(value).digest('base64url'));
}
