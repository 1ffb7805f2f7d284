import { sql, type RawBuilder } from 'kysely';
import { ParleyError } from '../errors.js';

// List cursors are opaque to the client: the whole sort key of the last row of a page (a time and
// an id, or an id alone when ids order the list), in base64url JSON with the list it belongs to, so
// a cursor from one list is refused by another rather than misread. The next page starts strictly
// after that key, so rows that tie on the time are neither repeated nor skipped.

/** The values of a row's sort key, in the order of the list's ORDER BY. */
export type SortKey = readonly (string | number)[];

/** A list's name and its sort: the columns of its ORDER BY, all one direction, the last one unique. */
export interface ListSort {
  list: string;
  columns: readonly string[];
  direction: 'asc' | 'desc';
}

export function encodeCursor(list: string, key: SortKey): string {
  return Buffer.from(JSON.stringify({ l: list, k: key })).toString('base64url');
}

/** The sort key the cursor holds; 400 `invalid_cursor` when it is not a cursor of this list. */
export function decodeCursor(sort: ListSort, cursor: string): SortKey {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { l?: unknown; k?: unknown };
    const key = value?.k;
    if (
      value?.l === sort.list &&
      Array.isArray(key) &&
      key.length === sort.columns.length &&
      key.every((part) => typeof part === 'string' || (typeof part === 'number' && Number.isSafeInteger(part)))
    ) {
      return key as SortKey;
    }
  } catch {
    // Not base64url JSON: answered below.
  }
  throw new ParleyError('invalid_cursor', `cursor: not a cursor of ${sort.list}; pass next_cursor from the previous page as it is.`);
}

/**
 * The condition "after the cursor's row" in the list's order, as one row-value comparison
 * (`(created_at, id) < (…, …)`), which SQLite and PostgreSQL both answer from an index on those columns.
 */
export function afterCursor(sort: ListSort, cursor: string): RawBuilder<boolean> {
  const key = decodeCursor(sort, cursor);
  const columns = sql.join(sort.columns.map((column) => sql.ref(column)));
  const values = sql.join(key.map((value) => sql`${value}`));
  return sql<boolean>`(${columns}) ${sql.raw(sort.direction === 'desc' ? '<' : '>')} (${values})`;
}

/** A page of `limit` rows from `rows` (fetched with one more than `limit`), and the cursor after it. */
export function page<T>(sort: ListSort, rows: T[], limit: number, keyOf: (row: T) => SortKey): { rows: T[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { rows: shown, next_cursor: more ? encodeCursor(sort.list, keyOf(shown.at(-1)!)) : null };
}
