import type { Kysely, Selectable } from 'kysely';
import { newId } from '../core/ids.js';
import { ParleyError } from '../errors.js';
import type { Store } from '../store/database.js';
import type { ConsoleRole, ConsoleUsersTable, Database } from '../store/schema.js';
import { hashPassword, minPasswordLength } from './passwords.js';

export type ConsoleUser = Selectable<ConsoleUsersTable>;

export const roles: readonly ConsoleRole[] = ['admin', 'agent'];

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Deliberately loose: one @, something either side, no spaces. Delivery is not Parley's concern. */
export function isEmail(email: string): boolean {
  return /^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email);
}

export async function addUser(store: Store, email: string, role: string, password: string): Promise<ConsoleUser> {
  const address = normalizeEmail(email);
  if (!isEmail(address)) throw new ParleyError('invalid_payload', `email: "${address.slice(0, 80)}" is not an email address.`);
  if (!roles.includes(role as ConsoleRole)) throw new ParleyError('invalid_payload', 'role: must be admin or agent.');
  if (password.length < minPasswordLength)
    throw new ParleyError('invalid_payload', `password: use at least ${minPasswordLength} characters.`);
  const now = Date.now();
  const user: ConsoleUser = {
    id: newId('usr', now),
    email: address,
    role: role as ConsoleRole,
    password_hash: await hashPassword(password),
    created_at: now,
    disabled_at: null,
  };
  const inserted = await store.write((trx) =>
    trx
      .insertInto('console_users')
      .values(user)
      .onConflict((oc) => oc.column('email').doNothing())
      .executeTakeFirst(),
  );
  if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n)
    throw new ParleyError('invalid_payload', `email: a user with ${address} already exists.`);
  return user;
}

export function findUserByEmail(db: Kysely<Database>, email: string): Promise<ConsoleUser | undefined> {
  return db.selectFrom('console_users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
}

export function listUsers(db: Kysely<Database>): Promise<ConsoleUser[]> {
  return db.selectFrom('console_users').selectAll().orderBy('email').execute();
}

export async function countUsers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('console_users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Another active admin must remain: the console is never left without someone to manage it. */
async function assertNotLastAdmin(trx: Kysely<Database>, user: ConsoleUser): Promise<void> {
  if (user.role !== 'admin' || user.disabled_at !== null) return;
  const others = await trx
    .selectFrom('console_users')
    .select('id')
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .where('id', '!=', user.id)
    .limit(1)
    .execute();
  if (others.length === 0) throw new ParleyError('forbidden', `${user.email} is the last admin; add another admin first.`);
}

/** Removes the user and ends their sessions; their audit entries stay. Returns false if unknown. */
export async function removeUser(store: Store, email: string): Promise<boolean> {
  return store.write(async (trx) => {
    const user = await trx.selectFrom('console_users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
    if (!user) return false;
    await assertNotLastAdmin(trx, user);
    await trx.deleteFrom('console_sessions').where('user_id', '=', user.id).execute();
    await trx.updateTable('conversations').set({ assigned_to: null }).where('assigned_to', '=', user.id).execute();
    await trx.deleteFrom('console_users').where('id', '=', user.id).execute();
    return true;
  });
}

/** Disables (or enables again) a user; disabling revokes their sessions at once. */
export async function setUserDisabled(store: Store, userId: string, disabled: boolean): Promise<ConsoleUser> {
  return store.write(async (trx) => {
    const user = await trx.selectFrom('console_users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!user) throw new ParleyError('not_found', 'No console user has this id.');
    const now = Date.now();
    if (disabled) {
      await assertNotLastAdmin(trx, user);
      await trx
        .updateTable('console_sessions')
        .set({ revoked_at: now })
        .where('user_id', '=', user.id)
        .where('revoked_at', 'is', null)
        .execute();
    }
    const disabledAt = disabled ? (user.disabled_at ?? now) : null;
    await trx.updateTable('console_users').set({ disabled_at: disabledAt }).where('id', '=', user.id).execute();
    return { ...user, disabled_at: disabledAt };
  });
}
