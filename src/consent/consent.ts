import type { Kysely } from 'kysely';
import { precompile } from '../store/precompiled.js';
import type { Database, SuppressionSource } from '../store/schema.js';
import type { ConsentEventData } from '../events/events.js';

export interface ConsentChange {
  contactId: string;
  phone: string;
  channel: string;
  /** The business number the words were sent to. */
  localNumber: string;
  messageId: string | null;
  text: string;
  now: number;
}

/** Whether `phone` has opted out of messages from `localNumber` (or from every number). */
export async function isSuppressed(db: Kysely<Database>, phone: string, localNumber: string): Promise<boolean> {
  return (await selectSuppression(db, { phone, local_number: localNumber })).rows.length > 0;
}

/** Which of `phones` have opted out of `localNumber` (or of the whole deployment): `isSuppressed` for many, in one read. */
export async function suppressedAmong(db: Kysely<Database>, phones: readonly string[], localNumber: string): Promise<Set<string>> {
  if (phones.length === 0) return new Set();
  const rows = await db
    .selectFrom('suppressions')
    .select('phone')
    .distinct()
    .where('phone', 'in', phones)
    .where('scope', 'in', [localNumber, '*'])
    .execute();
  return new Set(rows.map((r) => r.phone));
}

// Asked before every send and every routing: compiled once (see store/precompiled.ts).
const selectSuppression = precompile(['phone', 'local_number'], (db, p: { phone: string; local_number: string }) =>
  db.selectFrom('suppressions').select('phone').where('phone', '=', p.phone).where('scope', 'in', [p.local_number, '*']).limit(1),
);

/**
 * Suppresses the number in the caller's transaction, before anything else can be queued for it,
 * and keeps the change in the consent history. Returns false if it was already suppressed there
 * (by the contact; an entry only the business had imported counts as new).
 */
export async function suppress(
  trx: Kysely<Database>,
  change: ConsentChange,
  scope: 'number' | 'deployment',
  source: SuppressionSource = 'contact',
): Promise<boolean> {
  const scopeKey = scope === 'deployment' ? '*' : change.localNumber;
  const inserted = await trx
    .insertInto('suppressions')
    .values({ phone: change.phone, scope: scopeKey, contact_id: change.contactId, source, created_at: change.now })
    // A contact's own STOP over an entry the business imported makes it theirs: the API can no
    // longer withdraw it. The reverse changes nothing.
    .onConflict((oc) =>
      source === 'contact'
        ? oc.columns(['phone', 'scope']).doUpdateSet({ source: 'contact' }).where('suppressions.source', '=', 'api')
        : oc.columns(['phone', 'scope']).doNothing(),
    )
    .executeTakeFirst();
  await recordConsentChange(trx, 'opt_out', scopeKey, change);
  return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Lifts the suppressions that silence `localNumber` for this phone (its own and deployment-wide). */
export async function unsuppress(trx: Kysely<Database>, change: ConsentChange): Promise<boolean> {
  const removed = await trx
    .deleteFrom('suppressions')
    .where('phone', '=', change.phone)
    .where('scope', 'in', [change.localNumber, '*'])
    .executeTakeFirst();
  await recordConsentChange(trx, 'opt_in', change.localNumber, change);
  return removed.numDeletedRows > 0n;
}

/**
 * Withdraws the suppressions of `phone` that the business added through the API (a mistaken
 * import), keeping each withdrawal in the consent history. A contact's own opt-out is not touched.
 */
export async function withdrawApiSuppressions(trx: Kysely<Database>, phone: string, text: string, now: number): Promise<number> {
  const rows = await trx.selectFrom('suppressions').selectAll().where('phone', '=', phone).where('source', '=', 'api').execute();
  for (const row of rows) {
    await trx.deleteFrom('suppressions').where('phone', '=', phone).where('scope', '=', row.scope).where('source', '=', 'api').execute();
    await recordConsentChange(trx, 'opt_in', row.scope, {
      contactId: row.contact_id,
      phone,
      channel: 'api',
      localNumber: row.scope,
      messageId: null,
      text,
      now,
    });
  }
  return rows.length;
}

export async function recordConsentChange(
  trx: Kysely<Database>,
  action: 'opt_out' | 'opt_in',
  scope: string,
  change: ConsentChange,
): Promise<void> {
  await trx
    .insertInto('consent_changes')
    .values({
      contact_id: change.contactId,
      phone: change.phone,
      action,
      scope,
      channel: change.channel,
      local_number: change.localNumber,
      message_id: change.messageId,
      text: change.text.slice(0, 1600),
      at: change.now,
    })
    .execute();
}

/** The `contact.opted_out` / `contact.opted_in` event's data for a change. */
export function consentEventData(change: ConsentChange, scope: 'number' | 'deployment'): ConsentEventData {
  return {
    contact_id: change.contactId,
    phone: change.phone,
    channel: change.channel,
    local_number: change.localNumber,
    scope: scope === 'deployment' ? '*' : change.localNumber,
    message_id: change.messageId,
    text: change.text,
  };
}
