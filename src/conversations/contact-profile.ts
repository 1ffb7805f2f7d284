import type { Kysely } from 'kysely';
import { newId } from '../core/ids.js';
import type { ContactRow, Database } from '../store/schema.js';

// What a business keeps about a contact, set through the API: fields (first_name, plan, …), tags,
// the timezone their dates are written in and the language they read. Fields given are merged into
// those stored (null removes one), since rules and flows set fields too and a business updating one
// must not wipe the others; `tags` replaces the set, `add_tags`/`remove_tags` change it.

export interface ContactChanges {
  fields?: Record<string, string | null>;
  tags?: string[];
  add_tags?: string[];
  remove_tags?: string[];
  /** Canonical IANA zone, or null to clear. */
  timezone?: string | null;
  /** Canonical language tag, or null to clear. */
  language?: string | null;
}

type Profile = Pick<ContactRow, 'fields' | 'tags' | 'timezone' | 'language'>;

function applyChanges(current: Profile, changes: ContactChanges): Profile {
  const fields = JSON.parse(current.fields) as Record<string, unknown>;
  for (const [name, value] of Object.entries(changes.fields ?? {})) {
    if (value === null) delete fields[name];
    else fields[name] = value;
  }
  const tags = new Set(changes.tags ?? (JSON.parse(current.tags) as string[]));
  for (const tag of changes.add_tags ?? []) tags.add(tag);
  for (const tag of changes.remove_tags ?? []) tags.delete(tag);
  return {
    fields: JSON.stringify(fields),
    tags: JSON.stringify([...tags]),
    timezone: changes.timezone === undefined ? current.timezone : changes.timezone,
    language: changes.language === undefined ? current.language : changes.language,
  };
}

/** Creates the contact of `phone` with these settings, or changes the one there is. */
export async function saveContactByPhone(
  trx: Kysely<Database>,
  phone: string,
  changes: ContactChanges,
  now = Date.now(),
): Promise<{ contact: ContactRow; created: boolean }> {
  // Written before it is read: the row is then locked (PostgreSQL) until this commits, so a change
  // made at the same time waits for this one instead of being overwritten by it.
  await trx.updateTable('contacts').set({ updated_at: now }).where('phone', '=', phone).execute();
  const existing = await trx.selectFrom('contacts').selectAll().where('phone', '=', phone).executeTakeFirst();
  if (existing) return { contact: await updateContact(trx, existing, changes, now), created: false };
  const profile = applyChanges({ fields: '{}', tags: '[]', timezone: null, language: null }, changes);
  const contact: ContactRow = { id: newId('ct', now), phone, ...profile, created_at: now, updated_at: now };
  // A text from this number may be creating the contact at the same moment: then change that one.
  const inserted = await trx
    .insertInto('contacts')
    .values(contact)
    .onConflict((oc) => oc.column('phone').doNothing())
    .executeTakeFirst();
  if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return { contact, created: true };
  const raced = await trx.selectFrom('contacts').selectAll().where('phone', '=', phone).executeTakeFirstOrThrow();
  return { contact: await updateContact(trx, raced, changes, now), created: false };
}

/** Applies the changes to a contact read in the same transaction (after writing it, to hold its row: see above). */
export async function updateContact(
  trx: Kysely<Database>,
  contact: ContactRow,
  changes: ContactChanges,
  now = Date.now(),
): Promise<ContactRow> {
  const profile = applyChanges(contact, changes);
  await trx
    .updateTable('contacts')
    .set({ ...profile, updated_at: now })
    .where('id', '=', contact.id)
    .execute();
  return { ...contact, ...profile, updated_at: now };
}

/** Changes the contact with this id; null when there is none. */
export async function updateContactById(
  trx: Kysely<Database>,
  id: string,
  changes: ContactChanges,
  now = Date.now(),
): Promise<ContactRow | null> {
  await trx.updateTable('contacts').set({ updated_at: now }).where('id', '=', id).execute();
  const contact = await trx.selectFrom('contacts').selectAll().where('id', '=', id).executeTakeFirst();
  return contact ? updateContact(trx, contact, changes, now) : null;
}
