import { ParleyError } from '../errors.js';

// List cursors are opaque to the client: the id of the last row of a page, in base64url JSON with
// the list it belongs to, so a cursor from one list is refused by another rather than misread.

export function encodeCursor(list: string, lastId: string): string {
  return Buffer.from(JSON.stringify({ l: list, id: lastId })).toString('base64url');
}

/** The last id the cursor names; 400 `invalid_payload` when it is not a cursor of this list. */
export function decodeCursor(list: string, cursor: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object' && 'l' in value && 'id' in value && value.l === list && typeof value.id === 'string') {
      return value.id;
    }
  } catch {
    // Not base64url JSON: answered below.
  }
  throw new ParleyError('invalid_payload', `cursor: not a cursor of ${list}; pass next_cursor from the previous page as it is.`);
}

/** A page of `limit` rows from `rows` (fetched with one more than `limit`), and the cursor after it. */
export function page<T extends { id: string }>(list: string, rows: T[], limit: number): { rows: T[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { rows: shown, next_cursor: more ? encodeCursor(list, shown.at(-1)!.id) : null };
}
