import type { Store } from '../store/database.js';

// Failed logins are counted in the database, per address and per email, so the limit holds
// across every instance sharing it and across restarts.

export interface LoginLimit {
  attempts: number;
  windowMs: number;
}

const keysFor = (address: string, email: string) => [`address:${address}`, `email:${email}`];

/** Whether this address or this email has used up its failed attempts in the window. */
export async function loginBlocked(store: Store, address: string, email: string, limit: LoginLimit): Promise<boolean> {
  const since = Date.now() - limit.windowMs;
  const rows = await store.db
    .selectFrom('console_login_failures')
    .select(['key', (eb) => eb.fn.countAll<number>().as('n')])
    .where('key', 'in', keysFor(address, email))
    .where('at', '>', since)
    .groupBy('key')
    .execute();
  return rows.some((row) => Number(row.n) >= limit.attempts);
}

export async function recordLoginFailure(store: Store, address: string, email: string, limit: LoginLimit): Promise<void> {
  const now = Date.now();
  const keys = keysFor(address, email);
  await store.write(async (trx) => {
    // Rows older than the window count for nothing, whoever they were about: dropped as new
    // failures come, a bounded few at a time.
    await trx
      .deleteFrom('console_login_failures')
      .where(
        'id',
        'in',
        trx
          .selectFrom('console_login_failures')
          .select('id')
          .where('at', '<=', now - limit.windowMs)
          .limit(500),
      )
      .execute();
    await trx
      .insertInto('console_login_failures')
      .values(keys.map((key) => ({ key, at: now })))
      .execute();
  });
}
