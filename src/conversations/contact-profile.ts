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

const emptyProfile: Profile = { fields: '{}', tags: '[]', timezone: null, language: null };

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
  const profile = applyChanges(emptyProfile, changes);
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

/**
 * saveContactByPhone for many rows at once (a CSV import's batch), in the rows' order: a phone given
 * twice gets both changes, the second on top of the first. A few statements for the whole batch
 * instead of three per row: the contacts there are get written first (which locks them, as above)
 * and read back by the same statement, the changes are applied here, and they are written back in
 * one upsert and the new ones in one insert. Returns how many contacts were created.
 */
export async function saveContactsByPhone(
  trx: Kysely<Database>,
  rows: ReadonlyArray<{ phone: string; changes: ContactChanges }>,
  now = Date.now(),
): Promise<number> {
  let created = 0;
  // In pieces, within the caller's transaction: a statement has a bounded number of parameters
  // (SQLite's 32,766), and a later piece reads what an earlier one wrote.
  for (let i = 0; i < rows.length; i += 500) created += await savePiece(trx, rows.slice(i, i + 500), now);
  return created;
}

async function savePiece(
  trx: Kysely<Database>,
  rows: ReadonlyArray<{ phone: string; changes: ContactChanges }>,
  now: number,
): Promise<number> {
  const phones = [...new Set(rows.map((row) => row.phone))];
  const there = await trx.updateTable('contacts').set({ updated_at: now }).where('phone', 'in', phones).returningAll().execute();
  const existing = new Map(there.map((contact) => [contact.phone, contact]));
  const changed = new Map<string, ContactRow>();
  const created = new Map<string, ContactRow>();
  // A phone's changes in order; the first row of a phone with no contact creates it.
  const pending = new Map<string, ContactChanges[]>();
  for (const { phone, changes } of rows) {
    const contact = changed.get(phone) ?? existing.get(phone);
    if (contact) {
      changed.set(phone, { ...contact, ...applyChanges(contact, changes), updated_at: now });
      continue;
    }
    const made = created.get(phone);
    if (made) {
      created.set(phone, { ...made, ...applyChanges(made, changes) });
      pending.get(phone)!.push(changes);
      continue;
    }
    created.set(phone, { id: newId('ct', now), phone, ...applyChanges(emptyProfile, changes), created_at: now, updated_at: now });
    pending.set(phone, [changes]);
  }
  if (changed.size > 0) {
    // Every one is locked by the update above, so each row takes the conflict's path.
    await trx
      .insertInto('contacts')
      .values([...changed.values()])
      .onConflict((oc) =>
        oc.column('phone').doUpdateSet((eb) => ({
          fields: eb.ref('excluded.fields'),
          tags: eb.ref('excluded.tags'),
          timezone: eb.ref('excluded.timezone'),
          language: eb.ref('excluded.language'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
  if (created.size === 0) return 0;
  const inserted = await trx
    .insertInto('contacts')
    .values([...created.values()])
    .onConflict((oc) => oc.column('phone').doNothing())
    .returning('phone')
    .execute();
  // A text from one of these numbers created its contact since the read: change that one instead.
  const made = new Set(inserted.map((row) => row.phone));
  const raced = [...created.keys()].filter((phone) => !made.has(phone));
  for (const phone of raced) for (const changes of pending.get(phone)!) await saveContactByPhone(trx, phone, changes, now);
  return inserted.length;
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
