import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.js';

/**
 * A query built and compiled once, then run with new parameters: for the statements on the ingest
 * hot path, where building the same query afresh cost more than running it. The query is built
 * with a placeholder value per parameter name, so the dialect's own compiler decides the SQL text
 * and parameter order; each run only binds values. The parameters' types come from `build`'s
 * annotation, the rows' type from the query it builds.
 */
export function precompile<P extends Record<string, unknown>, R>(
  names: ReadonlyArray<NoInfer<keyof P & string>>,
  build: (db: Kysely<Database>, params: P) => Compilable<R>,
): (db: Kysely<Database>, params: P) => Promise<QueryResult<R>> {
  // Each compiled parameter is either one of the named placeholders or a constant of the query.
  type Slot = { name: keyof P & string } | { constant: unknown };
  const compiled = new WeakMap<object, { sql: string; slots: Slot[] }>();
  const placeholders = Object.fromEntries(names.map((name) => [name, `\u0000parley:${name}\u0000`])) as unknown as P;

  return (db: Kysely<Database>, params: P) => {
    // Keyed by the executor's adapter, so SQLite and PostgreSQL each get their own SQL text.
    const key = db.getExecutor().adapter;
    let entry = compiled.get(key);
    if (!entry) {
      const query = build(db, placeholders).compile();
      const slots = query.parameters.map((value): Slot => {
        const name = names.find((n) => placeholders[n] === value);
        return name ? { name } : { constant: value };
      });
      entry = { sql: query.sql, slots };
      compiled.set(key, entry);
    }
    const values = entry.slots.map((slot) => ('name' in slot ? params[slot.name] : slot.constant));
    return db.executeQuery<R>(CompiledQuery.raw(entry.sql, values));
  };
}

/**
 * Every column of a row type, listed for `precompile`: a column the list leaves out fails to
 * compile, so a column added to the table later cannot be silently left unbound.
 */
export function everyColumn<T>() {
  return <const N extends ReadonlyArray<keyof T & string>>(names: N & (Exclude<keyof T, N[number]> extends never ? unknown : never)): N =>
    names;
}
