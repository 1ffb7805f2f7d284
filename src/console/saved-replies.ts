import type { Kysely, Selectable } from 'kysely';
import { newId } from '../core/ids.js';
import { ParleyError } from '../errors.js';
import type { Store } from '../store/database.js';
import type { Database, SavedRepliesTable } from '../store/schema.js';
import { recordAudit } from './audit.js';

// Saved replies: answers agents use again and again ("We open at 9 on weekdays."), kept by admins
// and inserted into a conversation's reply box. Agents still read and send each one themselves.

export type SavedReply = Selectable<SavedRepliesTable>;

export const maxNameLength = 80;
export const maxBodyLength = 1600;
/** More than anyone scrolls through in a select; the list stays one small read. */
const maxSavedReplies = 500;

export function listSavedReplies(db: Kysely<Database>): Promise<SavedReply[]> {
  return db.selectFrom('saved_replies').selectAll().orderBy('name').orderBy('id').limit(maxSavedReplies).execute();
}

export function findSavedReply(db: Kysely<Database>, id: string): Promise<SavedReply | undefined> {
  return db.selectFrom('saved_replies').selectAll().where('id', '=', id).executeTakeFirst();
}

function validated(name: string, body: string): { name: string; body: string } {
  const trimmedName = name.trim();
  const trimmedBody = body.trim();
  if (trimmedName === '') throw new ParleyError('invalid_payload', 'name: give the saved reply a name.');
  if (trimmedName.length > maxNameLength) throw new ParleyError('invalid_payload', `name: at most ${maxNameLength} characters.`);
  if (trimmedBody === '') throw new ParleyError('invalid_payload', 'body: write the text of the saved reply.');
  if (trimmedBody.length > maxBodyLength) throw new ParleyError('invalid_payload', `body: at most ${maxBodyLength} characters.`);
  return { name: trimmedName, body: trimmedBody };
}

const nameTaken = (name: string) => new ParleyError('invalid_payload', `name: a saved reply is already called "${name}".`);

/** Adds a saved reply, audited in the same commit. */
export async function addSavedReply(store: Store, userId: string, name: string, body: string): Promise<SavedReply> {
  const values = validated(name, body);
  const now = Date.now();
  const row: SavedReply = { id: newId('svr', now), ...values, created_at: now, updated_at: now };
  const added = await store.write(async (trx) => {
    const inserted = await trx
      .insertInto('saved_replies')
      .values(row)
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) return false;
    await recordAudit(trx, { userId, action: 'saved_reply_added', subject: row.id, detail: { name: row.name }, now });
    return true;
  });
  if (!added) throw nameTaken(values.name);
  return row;
}

/** Changes a saved reply's name and text, audited with both versions' names. */
export async function changeSavedReply(store: Store, userId: string, id: string, name: string, body: string): Promise<void> {
  const values = validated(name, body);
  const now = Date.now();
  const outcome = await store.write(async (trx) => {
    const before = await trx.selectFrom('saved_replies').selectAll().where('id', '=', id).executeTakeFirst();
    if (!before) return 'missing' as const;
    const clash = await trx
      .selectFrom('saved_replies')
      .select('id')
      .where('name', '=', values.name)
      .where('id', '!=', id)
      .executeTakeFirst();
    if (clash) return 'taken' as const;
    if (before.name === values.name && before.body === values.body) return 'same' as const;
    await trx
      .updateTable('saved_replies')
      .set({ ...values, updated_at: now })
      .where('id', '=', id)
      .execute();
    const detail = before.name === values.name ? { name: values.name } : { name: values.name, was: before.name };
    await recordAudit(trx, { userId, action: 'saved_reply_changed', subject: id, detail, now });
    return 'changed' as const;
  });
  if (outcome === 'missing') throw new ParleyError('not_found', 'No saved reply has this id.');
  if (outcome === 'taken') throw nameTaken(values.name);
}

export async function removeSavedReply(store: Store, userId: string, id: string): Promise<void> {
  const removed = await store.write(async (trx) => {
    const row = await trx.selectFrom('saved_replies').select(['id', 'name']).where('id', '=', id).executeTakeFirst();
    if (!row) return false;
    await trx.deleteFrom('saved_replies').where('id', '=', id).execute();
    await recordAudit(trx, { userId, action: 'saved_reply_removed', subject: id, detail: { name: row.name } });
    return true;
  });
  if (!removed) throw new ParleyError('not_found', 'No saved reply has this id.');
}
