import { sql, type RawBuilder } from 'kysely';
import type { DialectCapabilities } from './database.js';

// Conditions on JSON kept as text (contacts' `fields` and `tags`), for lists filtered by them. The
// two databases spell these differently; this is the one place that knows both spellings. Column
// names come from the caller's code, values are always bound.

/** `column` (a JSON array of strings) holds `value`. */
export function jsonArrayHas(capabilities: DialectCapabilities, column: string, value: string): RawBuilder<boolean> {
  return capabilities.json === 'jsonb'
    ? sql<boolean>`${sql.ref(column)}::jsonb @> jsonb_build_array(${value}::text)`
    : sql<boolean>`exists (select 1 from json_each(${sql.ref(column)}) where json_each.value = ${value})`;
}

/** `column` (a JSON object) has `key` set to the string `value`. `key` must be a plain word ([A-Za-z0-9_]). */
export function jsonTextEquals(capabilities: DialectCapabilities, column: string, key: string, value: string): RawBuilder<boolean> {
  if (!/^\w+$/.test(key)) throw new Error(`not a plain JSON key: ${key}`);
  return capabilities.json === 'jsonb'
    ? sql<boolean>`(${sql.ref(column)}::jsonb ->> ${key}) = ${value}`
    : sql<boolean>`json_extract(${sql.ref(column)}, ${`$.${key}`}) = ${value}`;
}
